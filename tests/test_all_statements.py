"""Smoke: every statement in sql/ runs against the empty schema with sample parameters."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest

from flows.compensate.responses import RESPONSES
from flows.reconcile.statement_rows import SCHEMA as BANK_ROWS
from flows.shared import db
from flows.shared.columns import CANONICAL_COLUMNS, PAYOUT_COLUMNS
from flows.shared.settings import SQL_DIR

SAMPLE = {
    "campaign": "C",
    "run_id": "r",
    "decision_file": "0" * 64,
    "responses_file": "0" * 64,
    "dispute_days": 30,
    "as_of": date(2026, 10, 15),
    "languages": ["en"],
    "default_language": "en",
    "require_serial": True,
    "require_lot": False,
    "skus": ["S"],
    "serial_ranges": [{"lo": "A1", "hi": "A9"}],
    "lots": [],
    "window_start": date(2025, 1, 1),
    "window_end": date(2026, 8, 31),
    "claim_deadline": date(2027, 3, 1),
    "curable": ["purchase_date"],
    "follow_up_days": 14,
    "cure_within_days": 30,
    "tiers": [{"name": "t", "harm": "none", "pct": "0.1", "lo": "1", "hi": "2", "cap": "3"}],
    "schedule": [{"max_days": 30, "rate": "0.2"}],
    "announced_on": date(2026, 9, 1),
    "reimbursable": ["transport"],
    "excluded": ["legal"],
    "require_evidence": True,
    "review_harm": ["injury"],
    "review_flags": ["vip"],
    "amount_threshold": "1500.00",
    "max_units": 5,
    "injury_holdback": "5000.00",
    "max_override": "50000.00",
    "factor": None,
    "currency": "CNY",
    "limit": 10,
    "reply_within_days": 14,
    "require_acceptance": True,
    "accept_within_days": 30,
    "reserve": "1000.00",
    "max_reissues": 2,
    "terms_days": 14,
    "aliases": ["East"],
    "regions": ["华东"],
    "by": "hash",
    "count": 2,
    "file_name": "a.csv",
    "reason": "future_date",
    "sha256": "0" * 64,
    "kind": "lists",
    "amount": "10.00",
    "note": "top-up",
    "recorded_on": date(2026, 10, 15),
    "archived_path": "archive/a.csv",
    "size_bytes": 1,
    "ingest_seq": 1,
    "status": "loaded",
    "rows_read": 0,
    "error": None,
    "account": None,
    "statement_id": "S1",
    "prefect_flow_run_id": None,
    "flow": "intake",
    "message": None,
    "counts": "{}",
    "ref": "+86 138-0000-0000",
    "claim_id": "c1",
    "period": "week",
    "units_affected": 100,
    "affected_skus": ["S"],
    "affected_units": [100],
    "source_names": ["jd"],
    "source_patterns": ["jd_*.csv"],
    "band_days": [30, 60],
    "band_rates": ["0.2", "0.1"],
}
# statements that read what an earlier statement (or a registered frame) makes, in that order
ORDER = [
    "intake/parsed_rows",
    "intake/requeue_rows",
    "compensate/offer_candidates",
    "reconcile/payout_rows",
    "reconcile/payout_statement_counts",
    "reconcile/instruction_payments",
    "reconcile/chain_totals",
    "report/claim_facts",
]
STATEMENTS = sorted(
    str(p.relative_to(SQL_DIR).with_suffix(""))
    for p in SQL_DIR.rglob("*.sql")
    if p.parent.name != "schema"
)


@pytest.fixture
def prepared(con, tmp_path, monkeypatch):
    stage = pl.DataFrame(
        {
            c: pl.Series([], dtype=pl.String)
            for c in (
                *CANONICAL_COLUMNS,
                "default_channel",
                "file_sha256",
                "source_file",
                "source_format",
            )
        }
        | {"line_no": pl.Series([], dtype=pl.Int64), "ingest_seq": pl.Series([], dtype=pl.Int64)}
        | {"__fields_ok": pl.Series([], dtype=pl.Boolean)}
        | {"bad_cells": pl.Series([], dtype=pl.List(pl.String))}
    )
    decisions = pl.DataFrame(
        {
            c: pl.Series([], dtype=pl.String)
            for c in ("claim_id", "decision", "amount", "reviewer", "note", "file_sha256")
        }
        | {"line_no": pl.Series([], dtype=pl.Int64), "__fields_ok": pl.Series([], dtype=pl.Boolean)}
    )
    con.register("stage_rows", stage)
    con.register("quarantine_raw", pl.DataFrame(schema={"line_no": pl.Int64, "raw": pl.String}))
    from flows.letters.flow import MANIFEST_SCHEMA

    con.register("manifest_rows", pl.DataFrame(schema=MANIFEST_SCHEMA))
    con.register("stage_decisions", decisions)
    responses = pl.DataFrame(
        {c: pl.Series([], dtype=pl.String) for c in (*RESPONSES.columns, "file_sha256")}
        | {"line_no": pl.Series([], dtype=pl.Int64), "__fields_ok": pl.Series([], dtype=pl.Boolean)}
    )
    con.register("stage_responses", responses)
    payouts = pl.DataFrame(
        {
            c: pl.Series([], dtype=pl.String)
            for c in (*PAYOUT_COLUMNS, "raw", "file_sha256", "source_file", "source_format")
        }
        | {"line_no": pl.Series([], dtype=pl.Int64), "ingest_seq": pl.Series([], dtype=pl.Int64)}
        | {"fields_ok": pl.Series([], dtype=pl.Boolean)}
        | {c: pl.Series([], dtype=t) for c, t in BANK_ROWS.items() if c not in PAYOUT_COLUMNS}
    )
    con.register("stage_payouts", payouts)
    fates = con.sql("select * from payout_statements limit 0").pl()
    con.register("statement_fates", fates)
    for name in ORDER:
        run(con, name)
    # a partition's files, as partitions/claims and a partition's entitlements make them
    run(con, "scale/claim_parts")
    run(con, "scale/claims")
    for key, table in (("file", "partition_claims"), ("files", "entitlements")):
        con.table(table).write_parquet(str(tmp_path / f"{table}.parquet"))
        monkeypatch.setitem(SAMPLE, key, str(tmp_path / f"{table}.parquet"))
    # files on disk the guards compare with the database: an instruction file, a manifest
    instructions = tmp_path / "instructions.csv"
    instructions.write_text("payment_ref,claim_id,payee,contact,amount,currency\n")
    monkeypatch.setitem(SAMPLE, "instruction_files", [str(instructions)])
    manifest = tmp_path / "manifest.parquet"
    pl.DataFrame(schema=MANIFEST_SCHEMA).write_parquet(manifest)
    monkeypatch.setitem(SAMPLE, "manifests", [str(manifest)])
    return con


def run(con, name: str) -> list:
    wanted = set(re.findall(r"\$([a-z_][a-z_0-9]*)", db.sql_text(name)))
    return db.run(con, name, **{k: SAMPLE[k] for k in wanted})


@pytest.mark.parametrize("name", STATEMENTS)
def test_statement_runs_on_empty_schema(prepared, name):
    first_line = db.sql_text(name).splitlines()[0]
    assert first_line.startswith("-- "), "first line states the grain"
    run(prepared, name)


def test_claim_ids_stay_distinct_past_ten_million_lines(con):
    lines = [2, 1_000_000, 10_000_000, 12_345_678]
    stage = pl.DataFrame(
        {c: [None] * len(lines) for c in (*CANONICAL_COLUMNS, "default_channel")}
        | {"file_sha256": ["ab" * 32] * len(lines), "source_file": ["f.csv"] * len(lines)}
        | {"source_format": ["csv"] * len(lines), "line_no": lines, "ingest_seq": [1] * 4}
        | {"__fields_ok": [True] * len(lines), "bad_cells": [[]] * len(lines)},
        schema_overrides={c: pl.String for c in (*CANONICAL_COLUMNS, "default_channel")}
        | {"bad_cells": pl.List(pl.String)},
    )
    con.register("stage_rows", stage)
    run(con, "intake/parsed_rows")
    found = con.execute("select claim_id from parsed_rows order by line_no").fetchall()
    ids = [claim_id for (claim_id,) in found]
    assert ids == [
        "abababababab-0000002",
        "abababababab-1000000",
        "abababababab-10000000",
        "abababababab-12345678",
    ]
