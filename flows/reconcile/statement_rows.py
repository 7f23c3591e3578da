"""What a bank statement reader makes, whatever the format (flows.reconcile.camt,
flows.reconcile.mt940): each statement as read (StatementRead), its transactions as rows
(SCHEMA, written by RowSink), what our refs look like and what a transaction with one is."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

from flows.shared.columns import PAYOUT_COLUMNS

# our payment references, wherever a bank puts them (MT940 customer references hold only 16)
PAYMENT_REF = re.compile(r"PR-[0-9A-F]{16}")
# a return's reason code: camt RtrInf, MT940 /RTRN/AC04/ or the German RTRN+AC04
RETURN_CODE = re.compile(r"RTRN[/+]([A-Z0-9]{4})")
NO_REFERENCE = {"", "NONREF", "NOTPROVIDED", "NONE"}
ROWS_PER_PART = 100_000

# what a transaction with our ref is, by the direction of the money and whether it reverses
STATUS = {
    ("debit", False): "paid",
    ("credit", False): "returned",
    ("credit", True): "reversed",  # a payment reversed: the money comes back
    ("debit", True): "return_reversed",  # a return reversed: the payment stands
}


@dataclass(frozen=True)
class StatementRead:
    """One statement (camt Stmt / Ntfctn, an MT940 :20: block) as read; no personal data."""

    format: str  # camt.053.001.02 | camt.054.001.08 | mt940 | …
    statement_no: int  # its position in the file, from 1
    statement_id: str
    account: str | None
    entries: int  # booked transactions (a camt TxDtls, or an entry without; an MT940 :61:)
    payouts: int  # transactions carrying one of our refs, read
    not_ours: int
    quarantined: int
    debits: dict[str, Decimal]  # currency → booked money out
    credits: dict[str, Decimal]  # currency → booked money in
    opening: Decimal | None  # signed: a debit balance is negative
    closing: Decimal | None
    currency: str | None
    content_sha256: str  # of what the statement says, to tell a repeat from a correction
    unread: tuple[str, ...] = ()  # where what is quarantined stands ("line 7", "entry 2")

    @property
    def balance_ok(self) -> bool | None:
        """Opening + booked entries = closing; None when the statement carries no balances."""
        if self.opening is None or self.closing is None:
            return None
        return self.expected_closing == self.closing

    @property
    def expected_closing(self) -> Decimal | None:
        if self.opening is None:
            return None
        ccy = self.currency
        net = self.credits.get(ccy or "", Decimal(0)) - self.debits.get(ccy or "", Decimal(0))
        return self.opening + net


@dataclass(frozen=True)
class BankFile:
    format: str
    statements: tuple[StatementRead, ...]
    frame: pl.LazyFrame  # payout and quarantined rows: ROW_COLUMNS as text, positions as ints


class RowSink:
    """Rows of a file, written to Parquet parts as they come, so a million entries never sit
    in memory as Python objects."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.rows: list[tuple[Any, ...]] = []
        self.parts: list[Path] = []

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= ROWS_PER_PART:
            self.flush()

    def flush(self) -> None:
        if not self.rows and self.parts:
            return
        target = self.workdir / f"bank-rows-{len(self.parts):05d}.parquet"
        frame = pl.DataFrame(self.rows, schema=SCHEMA, orient="row")
        frame.write_parquet(target)
        self.parts.append(target)
        self.rows = []

    def frame(self) -> pl.LazyFrame:
        self.flush()
        return pl.scan_parquet(self.parts)


SCHEMA = {
    **{c: pl.String for c in PAYOUT_COLUMNS},
    "line_no": pl.Int64,
    "detail_no": pl.Int64,
    "statement_no": pl.Int64,
    "problem": pl.String,  # why the reader quarantines the row (batch_mismatch, …), else null
    "fallback_txn_id": pl.String,  # account/statement/position: when the bank's ref is not unique
    "raw": pl.String,  # a line no grammar reads, as JSON, kept with its quarantine row
}


@dataclass
class Tally:
    """A statement being read: counts, money by direction, and its content's hash."""

    entries: int = 0
    payouts: int = 0
    not_ours: int = 0
    quarantined: int = 0
    debits: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    credits: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    digest: Any = field(default_factory=hashlib.sha256)
    unread: list[str] = field(default_factory=list)

    def quarantine(self, where: str) -> None:
        """One transaction quarantined, at `where` (said once, the first ten places kept)."""
        self.quarantined += 1
        if len(self.unread) < 10 and where not in self.unread:
            self.unread.append(where)

    def money(self, direction: str, currency: str, amount: Decimal) -> None:
        (self.debits if direction == "debit" else self.credits)[currency] += amount

    def statement(
        self,
        format: str,
        number: int,
        statement_id: str,
        account: str | None,
        opening: tuple[Decimal, str] | None,
        closing: tuple[Decimal, str] | None,
    ) -> StatementRead:
        currency = (opening or closing or (None, None))[1]
        return StatementRead(
            format=format,
            statement_no=number,
            statement_id=statement_id,
            account=account,
            entries=self.entries,
            payouts=self.payouts,
            not_ours=self.not_ours,
            quarantined=self.quarantined,
            debits=dict(self.debits),
            credits=dict(self.credits),
            opening=opening[0] if opening else None,
            closing=closing[0] if closing else None,
            currency=currency,
            content_sha256=self.digest.hexdigest(),
            unread=tuple(self.unread),
        )


def bank_reference(text: str | None) -> str | None:
    text = (text or "").strip()
    return None if text.upper() in NO_REFERENCE else text


def decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
