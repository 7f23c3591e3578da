"""The required columns are one list: the header check of a file and the check of each row
both read it."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from flows.intake import flow as intake
from flows.shared import db
from flows.shared.config import load_campaign
from flows.shared.files import FileRejected
from flows.shared.input_tables import FIELDS_OK, LINE_NO
from flows.shared.settings import SHIPPED_CONFIG_DIR

HEADER = ["source_record_id", "customer_name", "sku", "serial_no", "purchase_date"]
HEADER += ["purchase_price", "email", "region"]


@pytest.fixture
def campaign_config():
    """The demo campaign's (serial ranges, no lots)."""
    config = load_campaign(SHIPPED_CONFIG_DIR / "campaigns" / "RC-2026-017.toml")
    assert config.eligibility.serial_ranges and not config.eligibility.lots
    return config


def as_read(rows: list[list[str]], header: list[str]) -> pl.LazyFrame:
    """A file's table as read_table gives it: its cells as text, line number, fields ok."""
    frame = pl.DataFrame([dict(zip(header, r, strict=True)) for r in rows], schema=header)
    lines = pl.Series(LINE_NO, range(2, len(rows) + 2), dtype=pl.Int64)
    return frame.with_columns(lines, pl.lit(True).alias(FIELDS_OK)).lazy()


def reasons(con, frame: pl.LazyFrame) -> list[str]:
    """quarantine_reasons per row, from sql/intake/parsed_rows.sql over the staged frame."""
    staged = frame.collect().with_columns(
        pl.lit("f" * 64).alias("file_sha256"),
        pl.lit("list.csv").alias("source_file"),
        pl.lit("csv").alias("source_format"),
        pl.lit(1, dtype=pl.Int64).alias("ingest_seq"),
    )
    with db.table_of(con, "stage_rows", staged):
        db.run(
            con,
            "intake/parsed_rows",
            as_of=date(2026, 10, 15),
            languages=["en"],
            default_language="en",
        )
    return [
        r
        for (r,) in con.execute(
            "select quarantine_reasons from parsed_rows order by line_no"
        ).fetchall()
    ]


def test_a_column_added_to_the_required_list_is_required_of_the_file_and_of_each_row(
    con, campaign_config, monkeypatch
):
    monkeypatch.setattr(intake, "REQUIRED_COLUMNS", (*intake.REQUIRED_COLUMNS, "region"))
    row = ["R1", "Ann", "S", "A1", "2026-01-05", "10.00", "a@example.com"]
    without = as_read([row], HEADER[:-1])
    with pytest.raises(FileRejected, match="required column missing: region"):
        intake.canonical_frame(without, campaign_config, "list.csv")
    rows = [[*row, "East"], ["R2", *row[1:], " "]]
    frame = intake.canonical_frame(as_read(rows, HEADER), campaign_config, "list.csv")
    assert reasons(con, frame) == ["", "missing_field:region"]


def test_a_column_taken_off_the_required_list_is_required_of_neither(
    con, campaign_config, monkeypatch
):
    kept = tuple(c for c in intake.REQUIRED_COLUMNS if c != "customer_name")
    monkeypatch.setattr(intake, "REQUIRED_COLUMNS", kept)
    header = [c for c in HEADER if c != "customer_name"]
    frame = intake.canonical_frame(
        as_read([["R1", "S", "A1", "2026-01-05", "10.00", "a@example.com", "East"]], header),
        campaign_config,
        "list.csv",
    )
    assert reasons(con, frame) == [""]
