"""The compensate flow's review queue (CSV + XLSX), written only when it changed: what reviewers
work in (SPEC §6a) and drop back into inbox/<c>/reviews/ as their decisions."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import duckdb
import polars as pl
import xlsxwriter
from prefect import get_run_logger

from flows.shared.files import atomic_path, sha256_file
from flows.shared.io import MONEY, money_columns
from flows.shared.words import reason_words

SHEET = "review queue"
DECISIONS = ("approve", "reject", "override")
# the columns a reviewer fills in (flows.compensate.reviews.DECISION_COLUMNS reads them back)
TO_FILL = ("decision", "amount", "reviewer", "note")
# column widths in characters (a column not named: its header's)
WIDTHS = {"claim_id": 21, "customer_name": 18, "reasons": 40, "expense_notes": 36, "note": 24}
WIDTHS |= {"reply_by": 12, "decision": 12, "amount": 12, "reviewer": 14}
PIXELS_PER_CHARACTER = 7  # polars takes widths in pixels, xlsxwriter's set_column characters


def write_review_queue(
    queue: duckdb.DuckDBPyRelation, folder: Path, max_rows: int, as_of: date
) -> None:
    """queue.csv, and queue.xlsx up to `max_rows` reviews; both left as they are when the
    queue has not changed (the workbook costs ~17 µs a cell here: 20,000 reviews of 21
    columns take about 7 s)."""
    csv_file, workbook = folder / "queue.csv", folder / "queue.xlsx"
    with atomic_path(csv_file, mode=0o600) as tmp:
        in_words(queue.pl(lazy=True)).sink_csv(tmp)
        rows = int(pl.scan_csv(tmp).select(pl.len()).collect().item())
        fits = rows <= max_rows
        unchanged = csv_file.exists() and sha256_file(csv_file) == sha256_file(tmp)
        if unchanged and (workbook.exists() or not fits):
            return
        if fits:
            with atomic_path(workbook, mode=0o600) as book:
                write_queue_workbook(in_words(queue.pl(lazy=True)).collect(), book, as_of)
        else:
            workbook.unlink(missing_ok=True)
            get_run_logger().warning(
                "the review queue has %d reviews; queue.xlsx is written up to %d "
                "([review] workbook_max_rows): use queue.csv",
                rows,
                max_rows,
            )


def in_words(queue: pl.LazyFrame) -> pl.LazyFrame:
    """The review reasons and expense notes as staff words (`amount;flag:vip` → `the amount is
    above the review threshold; flagged vip`); the reasons column is named `reasons`."""
    words = [
        pl.col(c).map_elements(lambda codes: "; ".join(reason_words(codes)), return_dtype=pl.String)
        for c in ("review_reasons", "expense_notes")
    ]
    return queue.with_columns(words).rename({"review_reasons": "reasons"})


def write_queue_workbook(frame: pl.DataFrame, target: Path, as_of: date) -> None:
    """One sheet: money as numbers with two places, the reply-by as a date, claim id and
    header frozen, a filter on every column, and the reviewer's columns shaded, `decision`
    a drop-down. Text is never taken for a formula or a link; dated the as-of (midnight), so
    the same queue on the same day is the same bytes."""
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(target, options) as book:
        book.set_properties({"created": datetime.combine(as_of, time())})
        money = money_columns(frame)  # 1,000,000.00 fits in 12 characters
        frame.write_excel(
            workbook=book,
            worksheet=SHEET,
            column_formats=dict.fromkeys(money, MONEY),
            dtype_formats={pl.Date: "yyyy-mm-dd"},
            column_widths={
                c: PIXELS_PER_CHARACTER * WIDTHS.get(c, 12 if c in money else max(10, len(c) + 2))
                for c in frame.columns
            },
            autofilter=True,
            freeze_panes=(1, 1),
        )
        sheet = book.get_worksheet_by_name(SHEET)
        assert sheet is not None
        last = max(frame.height, 1)
        for name in TO_FILL:
            at = frame.columns.index(name)
            shade = {"bg_color": "#FFF2CC"} | ({"num_format": MONEY} if name == "amount" else {})
            sheet.set_column(at, at, WIDTHS[name], book.add_format(shade))
        at = frame.columns.index("decision")
        sheet.data_validation(
            1,
            at,
            last,
            at,
            {
                "validate": "list",
                "source": list(DECISIONS),
                "input_title": "Decision",
                "input_message": "approve, reject, or override with an amount",
                "error_title": "Not a decision",
                "error_message": "Choose approve, reject or override.",
            },
        )
        at = frame.columns.index("amount")
        sheet.data_validation(
            1,
            at,
            last,
            at,
            {
                "validate": "decimal",
                "criteria": ">=",
                "value": 0.01,
                "input_title": "Amount",
                "input_message": "Only with override: the amount to offer.",
                "error_title": "Not an amount",
                "error_message": "An override amount is a number of at least 0.01.",
            },
        )
