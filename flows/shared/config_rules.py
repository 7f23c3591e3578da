"""The compensation rules of a campaign file (SPEC §3): the campaign, who is eligible, the
tiers, early response, expenses, review and budget sections, each validated by pydantic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from babel import Locale, UnknownLocaleError
from babel.numbers import list_currencies
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from flows.shared.columns import CANONICAL_COLUMNS
from flows.shared.money import parse_money

HARMS = ("none", "property", "injury")


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
    # how many units the recall concerns (SPEC §12): a total, or a count per SKU
    units_affected: int | dict[str, int] | None = None

    @field_validator("units_affected")
    @classmethod
    def _units_positive(cls, value: int | dict[str, int] | None) -> int | dict[str, int] | None:
        counts = value.values() if isinstance(value, dict) else [] if value is None else [value]
        if isinstance(value, dict) and not value:
            raise ValueError("give a total, or a count for at least one SKU")
        if any(count < 1 for count in counts):
            raise ValueError("must be a positive number of units (a total or per SKU)")
        return value

    @property
    def units_affected_total(self) -> int | None:
        value = self.units_affected
        return sum(value.values()) if isinstance(value, dict) else value

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


# fields a customer can put right by sending the row again with its reference (SPEC §11)
CURABLE_DEFAULT = (
    "serial_no",
    "lot_code",
    "purchase_date",
    "purchase_price",
    "quantity",
    "harm",
    "expense_evidence",
    "documented_expenses",
)


class Deficiency(Strict):
    """Quarantined rows a customer is asked to correct: those whose every reason names one of
    these fields; the correction must arrive within `cure_within_days` of the letter."""

    curable: list[str] = list(CURABLE_DEFAULT)
    cure_within_days: int = Field(default=30, ge=1)

    @field_validator("curable")
    @classmethod
    def _columns(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CANONICAL_COLUMNS]
        if unknown:
            raise ValueError(f"not a customer-list column: {', '.join(unknown)}")
        return value


class Disputes(Strict):
    """How long after its letter an offer may be disputed or a rejection appealed."""

    within_days: int = Field(default=30, ge=1)


class FollowUp(Strict):
    """The short message asking, after a payment is matched, whether the matter is settled."""

    after_days: int = Field(default=14, ge=0)


class Report(Strict):
    """The periodic recall progress report (SPEC §12): one row per week or calendar month."""

    period: Literal["week", "month"] = "week"
