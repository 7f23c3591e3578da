"""Workbooks out: one sheet per table, money formatted, dated by the as-of.
(Files written safely: flows.shared.files; input tables read: flows.shared.input_tables.)"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import polars as pl
import xlsxwriter

MONEY = "#,##0.00"


def money_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c, t in frame.schema.items() if isinstance(t, pl.Decimal)]


def write_workbook(frames: dict[str, pl.DataFrame], target: Path, as_of: date) -> None:
    """One sheet per table: money formatted, header frozen, autofilter on; text is never
    taken for a formula or a link. Dated the run's as-of (midnight), never the clock's now,
    so a workbook written again is the same bytes."""
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(target, options) as workbook:
        workbook.set_properties({"created": datetime.combine(as_of, time())})
        for sheet, frame in frames.items():
            frame.write_excel(
                workbook=workbook,
                worksheet=sheet,
                column_formats={c: MONEY for c in money_columns(frame)},
                autofilter=True,
                freeze_panes=(1, 0),
                autofit=True,
            )
