"""Numbers in XLSX cells as the decimals people typed. A numeric cell holds a binary double;
fastexcel hands it over as text rounded at nine places (0.30000000000000004 → `0.3`, but
123456789012.34 → `123456789012.339996338`). Excel shows a number to 15 significant digits, so a
numeric cell is taken at those; a text cell stays exactly as typed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import fastexcel

from flows.shared.input_tables import unreadable

CENT = Decimal("0.01")


def as_read(number: float) -> str:
    """The text fastexcel gives for a numeric cell read as text (`dtypes="string"`)."""
    return f"{number:.9f}".rstrip("0").rstrip(".") or "0"


def as_shown(number: float) -> str:
    """The number as Excel shows it (15 significant digits), plain, with two places when it has
    no more: 1234.5 → `1234.50`, 12.345 → `12.345`."""
    exact = Decimal(f"{number:.15g}")
    return f"{exact:.2f}" if exact == exact.quantize(CENT) else format(exact, "f")


def exact_numbers(path: Path, column: int, texts: list[str | None]) -> list[str | None]:
    """`texts`, one column of the first sheet as read_table read it, with each numeric cell's
    text replaced by the number as Excel shows it."""
    try:
        sheet = fastexcel.read_excel(path).load_sheet(
            0, use_columns=[column], dtypes={column: "float"}
        )
        numbers = sheet.to_polars().to_series().to_list()
    except Exception as exc:  # the sheet was read once already: this is not expected
        raise unreadable(".xlsx", exc) from exc
    if len(numbers) != len(texts):
        return texts
    return [
        as_shown(number) if number is not None and text == as_read(number) else text
        for text, number in zip(texts, numbers, strict=True)
    ]
