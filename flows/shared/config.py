"""Campaign configuration (SPEC §3): TOML files validated by pydantic before any data is touched."""

from __future__ import annotations

import codecs
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from flows.shared.money import parse_money

HARMS = ("none", "property", "injury")
CANONICAL_COLUMNS = (
    "source_record_id",
    "customer_name",
    "email",
    "phone",
    "postal_address",
    "sku",
    "serial_no",
    "lot_code",
    "purchase_date",
    "purchase_price",
    "quantity",
    "claim_date",
    "customer_ref",
    "channel",
    "region",
    "language",
    "preferred_channel",
    "harm",
    "documented_expenses",
    "expense_type",
    "expense_evidence",
    "flags",
)


# reversed: a payment reversed (money back); return_reversed: a return reversed (paid again)
PAYOUT_STATUSES = ("paid", "failed", "returned", "reversed", "return_reversed")
PAYOUT_COLUMNS = (
    "payment_ref",
    "provider_txn_id",
    "amount",
    "currency",
    "status",
    "value_date",
    "return_reason",
)


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names file, key and reason."""


def _money(value: object) -> Decimal:
    amount = parse_money(value)
    if amount < 0:
        raise ValueError("must not be negative")
    return amount


def _rate(value: object) -> Decimal:
    rate = Decimal(str(value))
    if not Decimal(0) <= rate <= Decimal(1):
        raise ValueError(f"must be between 0 and 1, got {value}")
    return rate


Money = Annotated[Decimal, BeforeValidator(_money)]
Rate = Annotated[Decimal, BeforeValidator(_rate)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Campaign(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str
    currency: str
    announced_on: date
    claim_deadline: date
    languages: list[str] = Field(min_length=1)
    reserve: Money
    hotline: str
    remedy: str

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        if value not in list_currencies():
            raise ValueError(f"unknown currency {value!r}")
        return value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        for tag in value:
            try:
                Locale.parse(tag, sep="-")
            except (UnknownLocaleError, ValueError) as exc:
                raise ValueError(f"unknown language {tag!r}") from exc
        if len(set(value)) != len(value):
            raise ValueError("languages are listed twice")
        return value

    @model_validator(mode="after")
    def _deadline_after_announcement(self) -> Campaign:
        if self.claim_deadline < self.announced_on:
            raise ValueError("claim_deadline is before announced_on")
        return self


class Eligibility(Strict):
    skus: list[str] = Field(min_length=1)
    serial_ranges: list[tuple[str, str]] = []
    lots: list[str] = []
    purchase_window: tuple[date, date]

    @field_validator("serial_ranges")
    @classmethod
    def _ranges_well_formed(cls, value: list[tuple[str, str]]) -> list[tuple[str, str]]:
        for low, high in value:
            if len(low) != len(high):
                raise ValueError(f"range {low}..{high}: both ends must have the same length")
            if low > high:
                raise ValueError(f"range {low}..{high}: start is after end")
        return value

    @field_validator("purchase_window")
    @classmethod
    def _window_ordered(cls, value: tuple[date, date]) -> tuple[date, date]:
        if value[0] > value[1]:
            raise ValueError("window start is after its end")
        return value


class Tier(Strict):
    name: str
    harm: Literal["none", "property", "injury"]
    goodwill_pct: Rate
    goodwill_min: Money
    goodwill_max: Money
    expense_cap: Money

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Tier:
        if self.goodwill_min > self.goodwill_max:
            raise ValueError(
                f"goodwill_min {self.goodwill_min} is above goodwill_max {self.goodwill_max}"
            )
        return self


class EarlyResponse(Strict):
    schedule: list[tuple[int, Rate]] = []

    @field_validator("schedule")
    @classmethod
    def _ascending(cls, value: list[tuple[int, Decimal]]) -> list[tuple[int, Decimal]]:
        days = [row[0] for row in value]
        if any(d < 0 for d in days) or days != sorted(set(days)):
            raise ValueError("max days must be non-negative and strictly ascending")
        return value


class Expenses(Strict):
    reimbursable: list[str] = []
    excluded: list[str] = []
    require_evidence: bool = True

    @model_validator(mode="after")
    def _disjoint(self) -> Expenses:
        both = sorted(set(self.reimbursable) & set(self.excluded))
        if both:
            raise ValueError(f"types both reimbursable and excluded: {', '.join(both)}")
        return self


class Review(Strict):
    harm: list[Literal["none", "property", "injury"]] = ["injury"]
    flags: list[str] = []
    amount_threshold: Money
    max_units_per_customer: int = Field(ge=1)
    injury_holdback: Money
    reply_within_days: int = Field(ge=0)
    # queue.xlsx up to this many reviews (writing it costs ~0.3 ms a review); queue.csv always
    workbook_max_rows: int = Field(default=20_000, ge=0)
    # the largest amount a reviewer's override may offer; a larger one is an invalid line
    max_override: Money = Decimal("50000.00")

    @field_validator("max_override")
    @classmethod
    def _max_override_allows_a_cent(cls, value: Decimal) -> Decimal:
        if value < Decimal("0.01"):
            raise ValueError(f"must be at least 0.01, got {value}")
        return value


class Budget(Strict):
    policy: Literal["halt", "prorate"]


class InboxFile(Strict):
    """Files of one origin in the inbox: a glob pattern, how to read them, their column names."""

    TARGETS: ClassVar[tuple[str, ...]] = ()  # the columns a file's columns may map to

    name: str
    pattern: str
    encoding: str = "utf-8"
    sheet: str | None = None
    columns: dict[str, str] = {}

    @field_validator("columns")
    @classmethod
    def _known_targets(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value.values()) - set(cls.TARGETS))
        if unknown:
            raise ValueError(f"maps to unknown columns: {', '.join(unknown)}")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError as exc:
            raise ValueError(f"unknown encoding {value!r}") from exc
        return value


class Source(InboxFile):
    """A retailer's customer list: columns map to the canonical claim columns."""

    TARGETS = CANONICAL_COLUMNS
    channel: str = "unknown"


class Provider(InboxFile):
    """A payment provider's payout file: its column names and status words mapped to ours."""

    TARGETS = PAYOUT_COLUMNS
    statuses: dict[str, str] = {}  # provider status → paid | failed | returned | reversed

    @field_validator("statuses")
    @classmethod
    def _known_statuses(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value.values()) - set(PAYOUT_STATUSES))
        if unknown:
            raise ValueError(f"maps to unknown statuses: {', '.join(unknown)}")
        return value


class PayoutAccount(Strict):
    """An account our payouts are made from: a bank statement for any other is rejected."""

    id: str = Field(min_length=4)  # IBAN or account number as the bank writes it; spaces ignored
    name: str = ""

    def matches(self, account: str | None) -> bool:
        """The statement's account is this one: the same IBAN or number, spaces aside; an
        MT940 :25: may put the bank's code before it ("BIC/number") or its currency after."""
        own = self.id.replace(" ", "").upper()
        parts = (account or "").replace(" ", "").upper().split("/")
        return any(p == own or (p[:-3] == own and p[-3:].isalpha()) for p in parts)


class Payments(Strict):
    max_reissues: int = Field(ge=0)
    providers: list[Provider] = []
    accounts: list[PayoutAccount] = []

    def provider_for(self, file_name: str) -> Provider | None:
        """The first provider whose glob pattern matches the file name."""
        from fnmatch import fnmatchcase

        return next((p for p in self.providers if fnmatchcase(file_name, p.pattern)), None)


class Reconcile(Strict):
    # a bank statement whose opening balance and booked entries do not make its closing
    # balance is an error alert; "reject" (the default) also rejects its file, "load" loads it
    statement_balance: Literal["reject", "load"] = "reject"
    # a warning alert once offers and holdbacks take more than this share of the reserve
    utilisation_warning: Decimal = Field(default=Decimal("0.90"), gt=0, le=1)


class LocalText(Strict):
    title: str
    remedy: str


class Letters(Strict):
    payment_within_days: int = Field(default=14, ge=1)
    # the campaign title and remedy in other languages than the one in [campaign]
    texts: dict[str, LocalText] = {}
    evidence_to: str = "the claims office named on the recall notice"
    # Babel locale per campaign language, where the bare language is not the wanted style
    locales: dict[str, str] = {"en": "en_GB", "zh-CN": "zh_CN"}
    batch_size: int = Field(default=1000, ge=1)
    pdf_batch_pages: int = Field(default=500, ge=1)

    @field_validator("locales")
    @classmethod
    def _known_locales(cls, value: dict[str, str]) -> dict[str, str]:
        for tag in value.values():
            try:
                Locale.parse(tag)
            except (UnknownLocaleError, ValueError) as exc:
                raise ValueError(f"unknown locale {tag!r}") from exc
        return value


class Schedule(Strict):
    """When `recall serve` runs the campaign's nightly flow (a Prefect cron schedule)."""

    cron: str = "0 2 * * *"  # 02:00 every day
    timezone: str = "Asia/Shanghai"

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError(
                f"a cron expression has five fields (minute hour day month weekday), got {value!r}"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class CampaignConfig(Strict):
    campaign: Campaign
    eligibility: Eligibility
    tiers: list[Tier] = Field(min_length=1)
    early_response: EarlyResponse = EarlyResponse()
    expenses: Expenses = Expenses()
    review: Review
    budget: Budget
    payments: Payments
    reconcile: Reconcile = Reconcile()
    letters: Letters = Letters()
    schedule: Schedule = Schedule()
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
        config = CampaignConfig.model_validate(data)
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
