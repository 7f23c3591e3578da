"""Payout files (SPEC §7) read into one shape: the provider's CSV/XLSX, camt.053/054, MT940.

Every reader returns text cells (`PAYOUT_COLUMNS`) plus the line (or entry) number they came
from; parsing amounts, dates and statuses, and quarantining what does not parse, is SQL's job
(`sql/reconcile/payout_rows.sql`), as for customer lists. A bank file also tells its
statements (flows.reconcile.bank_files); a provider's file has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from flows.reconcile.bank_files import read_bank_file
from flows.reconcile.statement_rows import BankFile, StatementRead
from flows.shared.columns import PAYOUT_COLUMNS
from flows.shared.config import CampaignConfig
from flows.shared.files import FileRejected
from flows.shared.input_tables import (
    FIELDS_OK,
    LINE_NO,
    blank_as_null,
    canonical_targets,
    named_frame,
    raw_cells,
    read_table,
)

BANK_SUFFIXES = (".xml", ".sta", ".mt940", ".940")


@dataclass(frozen=True)
class PayoutRead:
    format: str  # csv | xlsx | camt.053.001.08 | mt940 | …
    statements: tuple[StatementRead, ...]  # none for a provider's file
    frame: pl.LazyFrame


def read_payouts(
    path: Path, config: CampaignConfig, workdir: Path, name: str | None = None
) -> PayoutRead:
    """The payouts of one file as text cells, with `line_no`, `detail_no`, `statement_no`,
    `fields_ok`, `raw`, `problem` and `fallback_txn_id`; `name` is the file's name as dropped
    in the inbox, which picks its provider (the path's own if not given: intake reads the
    archived copy)."""
    if path.stat().st_size == 0:
        raise FileRejected("the file is empty")
    if path.suffix.lower() not in BANK_SUFFIXES:
        frame = _provider_frame(path, config, workdir, name or path.name)
        return PayoutRead(path.suffix.lower().lstrip("."), (), frame)
    bank: BankFile = read_bank_file(path, workdir)
    frame = bank.frame.with_columns(pl.lit(True).alias("fields_ok"))
    return PayoutRead(bank.format, bank.statements, frame)


def _provider_frame(path: Path, config: CampaignConfig, workdir: Path, name: str) -> pl.LazyFrame:
    """A payment provider's CSV/XLSX, its columns mapped to ours and its statuses translated."""
    provider = config.payments.provider_for(name)
    frame = read_table(
        path,
        provider.encoding if provider else "utf-8",
        provider.sheet if provider else None,
        workdir,
    )
    mapping = provider.columns if provider else {}
    frame = named_frame(frame)
    targets = canonical_targets(frame.collect_schema().names(), mapping, PAYOUT_COLUMNS)
    present = {t: c for c, t in targets.items()}
    missing = [c for c in PAYOUT_COLUMNS if c != "return_reason" and c not in present]
    if missing:
        raise FileRejected(f"required column missing: {', '.join(missing)}")
    statuses = {k.lower(): v for k, v in (provider.statuses if provider else {}).items()}
    cells = []
    for column in PAYOUT_COLUMNS:
        cell = blank_as_null(present[column]) if column in present else pl.lit(None, pl.String)
        if column == "status":
            word = cell.str.to_lowercase()
            cell = word
            for said, meant in statuses.items():  # a few words: streams, unlike replace()
                cell = pl.when(word == said).then(pl.lit(meant)).otherwise(cell)
        cells.append(cell.alias(column))
    return frame.select(
        *cells,
        pl.col(LINE_NO).alias("line_no"),
        pl.col(FIELDS_OK).alias("fields_ok"),
        raw_cells(),
        pl.lit(0, pl.Int64).alias("detail_no"),
        pl.lit(None, pl.Int64).alias("statement_no"),
        pl.lit(None, pl.String).alias("problem"),
        pl.lit(None, pl.String).alias("fallback_txn_id"),
    )
