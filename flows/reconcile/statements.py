"""What becomes of each bank statement of a payout file (SPEC §7): loaded; skipped, when the
same statement was loaded before; or its file rejected — a statement for another account than
ours, a correction of one loaded before, or balances that do not add up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import polars as pl

from flows.reconcile.payout_files import PayoutRead
from flows.reconcile.statement_rows import StatementRead
from flows.shared import db
from flows.shared.config import CampaignConfig
from flows.shared.files import FileRejected

PAYOUT_FILES: dict[
    str, pl.DataType
] = {  # payout_files.csv (SPEC §7): each statement's or file's fate in this run
    "file": pl.String(),
    "format": pl.String(),
    "statement_id": pl.String(),
    "account": pl.String(),
    "entries": pl.Int64(),
    "payouts_loaded": pl.Int64(),
    "quarantined": pl.Int64(),
    "not_ours": pl.Int64(),
    "opening_balance": pl.Decimal(18, 2),
    "closing_balance": pl.Decimal(18, 2),
    "balance_ok": pl.Boolean(),
    "status": pl.String(),
    "message": pl.String(),
}


@dataclass(frozen=True)
class StatementFate:
    statement: StatementRead
    status: str  # loaded | skipped | rejected
    message: str = ""


def balance_message(s: StatementRead) -> str:
    """The two amounts that should agree, for a statement whose balances do not add up."""
    return (
        f"statement {s.statement_id}: opening balance {s.opening} + booked entries = "
        f"{s.expected_closing}, but the closing balance is {s.closing} ({s.currency})"
        + (f"; {unread(s)}" if s.unread else "")
    )


def unread(s: StatementRead) -> str:
    """Where the statement has what cannot be read (quarantined, when it is loaded)."""
    more = " and more" if s.quarantined > len(s.unread) else ""
    return f"cannot read {', '.join(s.unread)}{more}"


def judge(
    con: duckdb.DuckDBPyConnection, config: CampaignConfig, campaign: str, read: PayoutRead
) -> list[StatementFate]:
    """Each statement's fate. When one must be rejected, so is its file: StatementsRejected,
    its message naming the statements at fault and what to do, each statement's fate then
    `rejected` with what is wrong with it, or that another of its file was."""
    fates: list[StatementFate] = []
    faults: dict[int, str] = {}
    seen: dict[tuple[str | None, str], str] = {}
    for s in read.statements:
        before = seen.get((s.account, s.statement_id)) or _loaded_before(con, campaign, s)
        fault = _fault(config, s, before)
        if fault is not None:
            faults[s.statement_no] = fault
            continue
        if before is not None:  # the same content: _fault tells other content apart
            fates.append(StatementFate(s, "skipped", f"seen before in {before.partition(' ')[2]}"))
            continue
        seen[(s.account, s.statement_id)] = f"{s.content_sha256} this file"
        loaded = balance_message(s) if s.balance_ok is False else ""  # statement_balance = "load"
        fates.append(StatementFate(s, "loaded", loaded or (unread(s) if s.unread else "")))
    if faults:
        raise StatementsRejected(read, faults)
    return fates


def _fault(config: CampaignConfig, s: StatementRead, before: str | None) -> str | None:
    """Why the statement rejects its file, with what to do next; None when it does not.
    `before`: '<content sha256> <file>' of the statement loaded before with its account and id."""
    accounts = config.payments.accounts
    if accounts and not any(a.matches(s.account) for a in accounts):
        return (
            f"statement {s.statement_id} is for account {s.account or '(none named)'}, not one "
            "of the payout accounts in [[payments.accounts]] (add it there if it is ours)"
        )
    if before is not None and not before.startswith(s.content_sha256):
        return (
            f"statement {s.statement_id} of account {s.account or '-'} was loaded before from "
            f"{before.partition(' ')[2]} with other content (a corrected statement needs the "
            "bank's new statement id)"
        )
    if s.balance_ok is False and config.reconcile.statement_balance == "reject":
        return (
            f"{balance_message(s)} (ask the bank for a corrected statement, or set [reconcile] "
            'statement_balance = "load" to load it with the error alert)'
        )
    return None


class StatementsRejected(FileRejected):
    """A bank file rejected for some of its statements; each statement recorded as rejected
    with what is wrong with it, or that another statement of its file was."""

    def __init__(self, read: PayoutRead, faults: dict[int, str]) -> None:
        super().__init__("; ".join(faults.values()))
        others = "not read: another statement of this file is rejected"
        self.fates = [
            StatementFate(s, "rejected", _with_balance(faults.get(s.statement_no, others), s))
            for s in read.statements
        ]


def _with_balance(message: str, s: StatementRead) -> str:
    """A statement's message, with its balances when they do not add up (said once)."""
    if s.balance_ok is not False or balance_message(s) in message:
        return message
    return f"{message}; {balance_message(s)}"


def _loaded_before(con: duckdb.DuckDBPyConnection, campaign: str, s: StatementRead) -> str | None:
    """'<content sha256> <file>' of the statement with this account and id loaded before."""
    found = db.run(
        con,
        "reconcile/statement_loaded_before",
        campaign=campaign,
        account=s.account,
        statement_id=s.statement_id,
    )
    return str(found[0][0]) if found else None


def record(
    con: duckdb.DuckDBPyConnection,
    campaign: str,
    run_id: str,
    sha256: str,
    file_name: str,
    read_format: str,
    fates: list[StatementFate],
    counts: dict[int | None, tuple[int, int, int]] | None = None,
) -> None:
    """payout_statements rows for the file's statements — a provider's file, which has none,
    is one row of its own; `counts` are (loaded, quarantined, loaded before) per
    statement_no of the rows that were staged."""
    counts = counts or {}
    rows: list[dict[str, Any]] = []
    for fate in fates:
        s = fate.statement
        loaded, quarantined, before = counts.get(s.statement_no, (0, 0, 0))
        if fate.status != "loaded":
            loaded, quarantined, before = 0, 0, 0
        rows.append(
            {
                "statement_no": s.statement_no,
                "statement_id": s.statement_id,
                "account": s.account,
                "content_sha256": s.content_sha256,
                "entries": s.entries,
                "payouts_loaded": loaded,
                "quarantined": quarantined,
                "not_ours": s.not_ours,
                "currency": s.currency,
                "opening_balance": s.opening,
                "closing_balance": s.closing,
                "balance_ok": s.balance_ok,
                "status": fate.status,
                "message": _with_before(fate.message, before),
            }
        )
    if not fates:
        loaded, quarantined, before = counts.get(None, (0, 0, 0))
        rows.append(
            {
                "statement_no": 0,
                "statement_id": "",
                "content_sha256": sha256,
                "entries": loaded + quarantined + before,
                "payouts_loaded": loaded,
                "quarantined": quarantined,
                "not_ours": 0,
                "status": "loaded",
                "message": _with_before("", before),
            }
        )
    constants = {
        "campaign": campaign,
        "run_id": run_id,
        "file_sha256": sha256,
        "source_file": file_name,
        "format": read_format,
    }
    frame = pl.DataFrame(
        [{**constants, **row} for row in rows], schema_overrides=MONEY, infer_schema_length=None
    )
    with db.table_of(con, "statement_fates", frame):
        db.run(con, "reconcile/payout_statements")


def _with_before(message: str, before: int) -> str:
    said = f"{before} payouts were loaded before from another file" if before else ""
    return "; ".join(m for m in (message, said) if m)


MONEY = {"opening_balance": pl.Decimal(18, 2), "closing_balance": pl.Decimal(18, 2)}


def staged_counts(con: duckdb.DuckDBPyConnection) -> dict[int | None, tuple[int, int, int]]:
    """Per statement_no of the file just staged (None: a provider's file): rows loaded,
    quarantined, loaded before."""
    return {
        None if n is None else int(n): (int(a), int(b), int(c))
        for n, a, b, c in db.run(con, "reconcile/payout_statement_counts")
    }


def fate_rows(con: duckdb.DuckDBPyConnection, campaign: str, as_of: date) -> list[dict[str, Any]]:
    """payout_files.csv's statement rows of the reconcile runs of as_of, in file and
    statement order."""
    cursor = con.execute(
        db.sql_text("reconcile/payout_files"), {"campaign": campaign, "as_of": as_of}
    )
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def unbalanced(rows: list[dict[str, Any]]) -> list[str]:
    """The alert lines of statements whose balances do not add up: file, statement, amounts."""
    return [f"{r['file']}: {r['message']}" for r in rows if r["balance_ok"] is False]


def rejected(rows: list[dict[str, Any]]) -> list[str]:
    """The alert lines of statements rejected for another reason than their balances."""
    return [
        f"{r['file']}: {r['message']}"
        for r in rows
        if r["status"] == "rejected"
        and r["statement_id"]
        and r["balance_ok"] is not False
        and not r["message"].startswith("not read:")
    ]
