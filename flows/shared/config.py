"""Campaign configuration (SPEC §3): TOML files validated by pydantic before any data is touched."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator

from flows.shared.config_operations import (
    Letters,
    LocalText,
    Payments,
    Reconcile,
    Regions,
    Schedule,
    Source,
)
from flows.shared.config_rules import (
    HARMS,
    Budget,
    Campaign,
    Deficiency,
    Disputes,
    EarlyResponse,
    Eligibility,
    Expenses,
    FollowUp,
    Report,
    Review,
    Strict,
    Tier,
)


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names file, key and reason."""


class CampaignConfig(Strict):
    campaign: Campaign
    eligibility: Eligibility
    tiers: list[Tier] = Field(min_length=1)
    early_response: EarlyResponse = EarlyResponse()
    expenses: Expenses = Expenses()
    review: Review
    deficiency: Deficiency = Deficiency()
    disputes: Disputes = Disputes()
    follow_up: FollowUp = FollowUp()
    budget: Budget
    payments: Payments
    reconcile: Reconcile = Reconcile()
    regions: Regions = Regions()
    letters: Letters = Letters()
    schedule: Schedule = Schedule()
    report: Report = Report()
    sources: list[Source] = []

    @field_validator("tiers")
    @classmethod
    def _one_tier_per_harm(cls, value: list[Tier]) -> list[Tier]:
        harms = [tier.harm for tier in value]
        overlapping = sorted({h for h in harms if harms.count(h) > 1})
        if overlapping:
            raise ValueError(f"overlapping tiers: harm {', '.join(overlapping)} has several")
        missing = [h for h in HARMS if h not in harms]
        if missing:
            raise ValueError(f"no tier for harm {', '.join(missing)}")
        return value

    @model_validator(mode="after")
    def _payment_method_in_every_language(self) -> CampaignConfig:
        missing = [lang for lang in self.campaign.languages if lang not in self.payments.method]
        if self.payments.method and missing:
            raise ValueError(
                f"payments.method: no words for {', '.join(missing)}; give the payment method "
                "in every campaign language"
            )
        return self

    @model_validator(mode="after")
    def _units_affected_of_campaign_skus(self) -> CampaignConfig:
        per_sku = self.campaign.units_affected
        unknown = (
            sorted(set(per_sku) - set(self.eligibility.skus)) if isinstance(per_sku, dict) else []
        )
        if unknown:
            raise ValueError(
                f"campaign.units_affected: {', '.join(unknown)} is no SKU of eligibility.skus; "
                "give units only for the campaign's SKUs"
            )
        return self

    @property
    def default_language(self) -> str:
        return self.campaign.languages[0]

    def local_text(self, language: str) -> LocalText:
        default = LocalText(title=self.campaign.title, remedy=self.campaign.remedy)
        return self.letters.texts.get(language, default)

    def babel_locale(self, language: str) -> str:
        return self.letters.locales.get(language, language.replace("-", "_"))

    def source_for(self, file_name: str) -> Source | None:
        """The first source whose glob pattern matches the file name."""
        from fnmatch import fnmatchcase

        return next((s for s in self.sources if fnmatchcase(file_name, s.pattern)), None)


def _key(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{item}]"]
        elif not item.startswith(("function-", "tuple[")):
            parts.append(item)
    return ".".join(parts) or "(file)"


def load_campaign(path: Path) -> CampaignConfig:
    """Read and validate one campaign file; ConfigError names file, key and reason."""
    if not path.is_file():
        there = sorted(p.stem for p in path.parent.glob("*.toml")) if path.parent.is_dir() else []
        raise ConfigError(
            f"{path}: campaign configuration not found; campaigns configured: "
            + (", ".join(there) if there else f"none (no *.toml in {path.parent})")
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        config = CampaignConfig.model_validate(data, context={"config_dir": path.parent})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            reason = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                reason = "unknown key"
            problems.append(f"{path}: {_key(error['loc'])}: {reason}")
        raise ConfigError("\n".join(problems)) from exc
    if config.campaign.id != path.stem:
        raise ConfigError(
            f"{path}: campaign.id: {config.campaign.id!r} does not match the file name"
        )
    return config
