"""Numbers in XLSX cells read as Excel shows them; text cells exactly as typed."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from flows.shared.input_tables import read_table
from flows.shared.xlsx_numbers import exact_numbers

CELLS: list[tuple[object, str]] = [  # (the cell, what is read)
    (1234.5, "1234.50"),
    (1234.0, "1234.00"),
    (0.1 + 0.2, "0.30"),  # 0.30000000000000004
    (100.1 - 0.01, "100.09"),  # 100.08999999999999
    (123456789012.34, "123456789012.34"),  # fastexcel alone: 123456789012.339996338
    (12.345, "12.345"),
    (-88.5, "-88.50"),
    (1e-20, "0.00000000000000000001"),  # fastexcel alone: 0
    ("88.00", "88.00"),  # text: as typed
    ("1e3", "1e3"),
    ("12.3400000000001", "12.3400000000001"),
    ("eighty", "eighty"),
]


def test_numeric_cells_are_read_as_excel_shows_them_and_text_as_typed(tmp_path: Path):
    path = tmp_path / "d.xlsx"
    with xlsxwriter.Workbook(path, {"strings_to_numbers": False}) as book:
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, ["claim_id", "amount"])
        for row, (cell, _) in enumerate(CELLS, start=1):
            sheet.write_string(row, 0, f"c{row}")
            if isinstance(cell, str):
                sheet.write_string(row, 1, cell)
            else:
                sheet.write_number(row, 1, cell)  # type: ignore[arg-type]
    texts = read_table(path, "utf-8", None, tmp_path).collect()["amount"].to_list()
    assert exact_numbers(path, 1, texts) == [read for _, read in CELLS]
