"""How a campaign is operated (SPEC §3): the inbox sources and payment providers it reads,
the accounts it pays from, reconciliation, letters and the nightly schedule sections."""

from __future__ import annotations

import codecs
from decimal import Decimal
from pathlib import Path
from typing import ClassVar, Literal

from babel import Locale, UnknownLocaleError
from pydantic import Field, ValidationInfo, field_validator

from flows.shared.columns import CANONICAL_COLUMNS, PAYOUT_COLUMNS, PAYOUT_STATUSES
from flows.shared.config_rules import Strict


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
    # an instruction with no payment this many days after it was made is an exception in the
    # finance report (SPEC §7); sooner, it is only aged
    terms_days: int = Field(default=14, ge=1, le=365)
    # how the money reaches the customer, in each campaign language, as offer letters say it
    # after "paid within N days" (e.g. "by bank transfer to the account you registered")
    method: dict[str, str] = {}
    # SPEC §11: pay only offers the customer accepted; an offer not accepted this many days
    # after its letter gets one reminder, and lapses as many days after the reminder
    require_acceptance: bool = False
    accept_within_days: int = Field(default=30, ge=1, le=365)
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


class Regions(Strict):
    """Region names written more than one way (SPEC §7): each alias is counted under its region."""

    aliases: dict[str, str] = {}  # "East" = "华东": claims from "East" count under 华东

    @field_validator("aliases")
    @classmethod
    def _aliases_name_regions(cls, value: dict[str, str]) -> dict[str, str]:
        for alias, region in value.items():
            if not alias.strip() or not region.strip():
                raise ValueError(f"an alias and its region need a name: {alias!r} = {region!r}")
            if alias == region:
                raise ValueError(f"{alias!r} is an alias of itself; leave it out")
            if region in value:
                raise ValueError(
                    f"{alias!r} points at {region!r}, itself an alias (of {value[region]!r}); "
                    f"point {alias!r} at {value[region]!r}"
                )
        return value


class LocalText(Strict):
    title: str
    remedy: str


class Sender(Strict):
    """The letterhead of post letters (SPEC §6a): who writes, where from, how to call."""

    company: str = Field(min_length=1)
    address: list[str] = Field(default=[], max_length=3)  # lines under the company name
    hotline: str | None = None  # the campaign's hotline when left out
    email: str | None = None
    logo: Path | None = None  # PNG or JPEG; a relative path is next to the campaign file

    @field_validator("logo")
    @classmethod
    def _png_or_jpeg(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        folder = (info.context or {}).get("config_dir")
        path = value if value.is_absolute() or folder is None else Path(folder) / value
        if not path.is_file():
            raise ValueError(f"{path}: logo file not found; give a PNG or JPEG file's path")
        with path.open("rb") as image:
            head = image.read(8)
        if not (head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff")):
            raise ValueError(f"{path}: the logo must be a PNG or JPEG file")
        return path


class Letters(Strict):
    # the letterhead of post letters; without it they carry the campaign title and hotline
    sender: Sender | None = None
    payment_within_days: int = Field(default=14, ge=1)
    # the campaign title and remedy in other languages than the one in [campaign]
    texts: dict[str, LocalText] = {}
    evidence_to: str = "the claims office named on the recall notice"
    # Babel locale per campaign language, where the bare language is not the wanted style
    locales: dict[str, str] = {"en": "en_GB", "zh-CN": "zh_CN"}
    batch_size: int = Field(default=1000, ge=1)
    pdf_batch_pages: int = Field(default=500, ge=1)
    # a short link an SMS gives instead of the hotline (SPEC §6a); at most 24 characters of
    # the GSM-7 alphabet, so a Chinese SMS with the longest reference and total stays one message
    sms_link: str | None = Field(
        default=None, max_length=24, pattern=r"^https?://[A-Za-z0-9._/?=&%#-]+$"
    )

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
