"""Machine-readable exports for coordinators, auditors and tests (SPEC §4)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flows.shared import db
from flows.shared.files import atomic_path
from flows.shared.runs import database
from flows.shared.settings import Paths

BATCH_ROWS = 10_000
NEEDS_QUOTES = (",", '"', "\n", "\r")


def csv_cell(value: str | None) -> str:
    """A text cell as CSV writes it: empty for NULL, quoted when empty or when it holds a comma,
    a quote or a line break (the quote doubled) — so an empty text and a NULL stay apart."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"the export writes text cells only, not {type(value).__name__}")
    if value == "" or any(mark in value for mark in NEEDS_QUOTES):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_line(cells: Sequence[str | None]) -> str:
    return ",".join(csv_cell(cell) for cell in cells) + "\n"


def export_claims(paths: Paths, campaign: str, out: Path) -> int:
    """Write one CSV row per input row of the campaign; returns the number of rows."""
    rows = 0
    with database(paths, "export", campaign) as con, atomic_path(out) as tmp:
        result = con.execute(db.sql_text("cli/claims_export"), {"campaign": campaign})
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            handle.write(csv_line([column[0] for column in result.description]))
            while batch := result.fetchmany(BATCH_ROWS):
                handle.writelines(csv_line(row) for row in batch)
                rows += len(batch)
    return rows
