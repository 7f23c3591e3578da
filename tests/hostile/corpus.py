"""The hostile corpus: customer-list files written by the tests themselves into an inbox.

Each case is one file holding good rows beside its hostile ones, so a test can show both what
became of the hostile part and that the rest of the file loaded untouched. Record ids are
`<case>-<n>`; every row gets its own serial number, so dedupe never joins two cases.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import xlsxwriter

from tests.conftest import GOOD_ROW, HEADER

_serials = itertools.count(20_000)

JD_HEADER = {  # the jd_online source of the demo config: GB18030 declared, Chinese headers
    "source_record_id": "订单号",
    "customer_name": "收货人",
    "phone": "手机",
    "sku": "商品编码",
    "serial_no": "序列号",
    "purchase_date": "下单日期",
    "purchase_price": "单价",
}


def good(rid: str, **changes: str) -> dict[str, str]:
    """A row that loads as an eligible claim, with its own serial number."""
    return {**GOOD_ROW, "source_record_id": rid, "serial_no": f"K3A{next(_serials):06d}", **changes}


def csv_text(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header or HEADER)
    writer.writerows(_cells(rows, header))
    return buffer.getvalue()


@dataclass
class Case:
    """One file of the corpus and what must become of it."""

    file: str
    write: Callable[[Path], None]
    loaded: dict[str, dict[str, object]] = field(default_factory=dict)  # rid -> column values
    quarantined: dict[str, str] = field(default_factory=dict)  # rid -> reasons
    rejected: str | None = None  # a phrase of the rejection message


def _write_bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _cells(rows: list[dict[str, str]], header: list[str] | None = None) -> list[list[str]]:
    columns = header or HEADER
    return [[r.get(c, "") for c in columns] for r in rows]


def _lines(rows: list[dict[str, str]]) -> list[str]:
    return [",".join(cells) for cells in _cells(rows)]


def encodings() -> list[Case]:
    zh = good("gbk-1", customer_name="张伟", postal_address="北京市朝阳区")
    jd_rows = [
        {
            JD_HEADER[k]: v
            for k, v in good("u8jd-1", customer_name="王芳", phone="13800138000").items()
            if k in JD_HEADER
        }
    ]
    return [
        Case(
            "gbk_declared_utf8.csv",
            _write_bytes(csv_text([zh, good("gbk-2")]).encode("gbk")),
            loaded={
                "gbk-1": {"customer_name": "张伟", "postal_address": "北京市朝阳区"},
                "gbk-2": {},
            },
        ),
        Case(
            "jd_utf8_declared_gbk.csv",
            _write_bytes(csv_text(jd_rows, header=list(JD_HEADER.values())).encode("utf-8")),
            loaded={"u8jd-1": {"customer_name": "王芳", "channel": "online"}},
        ),
        Case(
            "utf16_bom.csv",
            _write_bytes(
                csv_text([good("u16-1", customer_name="李娜"), good("u16-2")]).encode("utf-16")
            ),
            loaded={"u16-1": {"customer_name": "李娜"}, "u16-2": {}},
        ),
    ]


def layout() -> list[Case]:
    a, b, c, d = (good(f"eol-{n}") for n in range(1, 5))
    header = ",".join(HEADER)
    mixed = (
        header
        + "\r\n"
        + _lines([a])[0]
        + "\n"
        + _lines([b])[0]
        + "\r\n"
        + _lines([c])[0]
        + "\r"
        + _lines([d])[0]
        + "\n"
    )
    unclosed_rows = [
        good("quote-1"),
        good("quote-2", customer_name='"Open, never closed'),
        good("quote-3"),
    ]
    unclosed = header + "\n" + "\n".join(",".join(cells) for cells in _cells(unclosed_rows)) + "\n"
    width = [good("width-1"), good("width-2"), good("width-3"), good("width-4")]
    ragged_lines = _lines(width)
    ragged_lines[1] += ",surplus,cells"
    ragged_lines[2] = ",".join(ragged_lines[2].split(",")[:-3])
    big = good("big-2", postal_address="x" * (1 << 20))
    nul = good("nul-2", customer_name="Li\x00Wei")
    repeated = [good("rep-1"), dict(zip(HEADER, HEADER, strict=True)), good("rep-3")]
    return [
        Case(
            "mixed_line_endings.csv",
            _write_bytes(mixed.encode()),
            loaded={f"eol-{n}": {} for n in range(1, 5)},
        ),
        Case("quote_never_closed.csv", _write_bytes(unclosed.encode()), rejected="quote"),
        Case(
            "extra_and_missing_cells.csv",
            _write_bytes(("\n".join([header, *ragged_lines]) + "\n").encode()),
            loaded={"width-1": {}, "width-4": {}},
            quarantined={"width-2": "bad_value:field_count", "width-3": "bad_value:field_count"},
        ),
        Case(
            "one_megabyte_field.csv",
            _write_bytes(csv_text([good("big-1"), big, good("big-3")]).encode()),
            loaded={"big-1": {}, "big-3": {}},
            quarantined={"big-2": "bad_value:postal_address"},
        ),
        Case(
            "nul_bytes.csv",
            _write_bytes(csv_text([good("nul-1"), nul, good("nul-3")]).encode()),
            loaded={"nul-1": {}, "nul-3": {}},
            quarantined={"nul-2": "bad_value:customer_name"},
        ),
        Case(
            "header_repeated.csv",
            _write_bytes(csv_text(repeated).encode()),
            loaded={"rep-1": {}, "rep-3": {}},
            # the header's words are no dates, amounts or values: every problem is listed
            quarantined={
                "source_record_id": "bad_amount:documented_expenses;bad_amount:purchase_price;"
                "bad_date:claim_date;bad_date:purchase_date;bad_value:expense_evidence;"
                "bad_value:harm;bad_value:quantity"
            },
        ),
    ]


VALUES = [  # (rid, changes, expected: a dict of loaded values or a quarantine reason)
    ("serial-csv", {"purchase_date": "45356"}, "bad_date:purchase_date"),
    ("amt-eu", {"purchase_price": "1.299,00"}, "bad_amount:purchase_price"),
    ("amt-us", {"purchase_price": "1,299.00"}, {"purchase_price": "1299.00"}),
    ("amt-yen", {"purchase_price": "¥ 1 299"}, {"purchase_price": "1299.00"}),
    ("amt-negzero", {"documented_expenses": "-0"}, {"documented_expenses": "0.00"}),
    ("amt-exp", {"purchase_price": "1e5"}, "bad_amount:purchase_price"),
    ("amt-huge", {"purchase_price": "99999999999999999999"}, "bad_amount:purchase_price"),
    ("date-feb30", {"purchase_date": "2026-02-30"}, "bad_date:purchase_date"),
    ("date-zero", {"purchase_date": "0000-00-00"}, "bad_date:purchase_date"),
    ("name-emoji", {"customer_name": "🙂 Zoë 👨‍👩‍👧"}, {"customer_name": "🙂 Zoë 👨‍👩‍👧"}),
    ("name-rtl", {"customer_name": "\u202eمحمد علي"}, {"customer_name": "\u202eمحمد علي"}),
    (
        "name-html",
        {"customer_name": "<script>alert(1)</script><b>Li</b>"},
        {"customer_name": "<script>alert(1)</script><b>Li</b>"},
    ),
    (
        "name-jinja",
        {"customer_name": "{{ config }} {% for x in y %}"},
        {"customer_name": "{{ config }} {% for x in y %}"},
    ),
    (
        "name-formula",
        {"customer_name": '=HYPERLINK("http://x","y")'},
        {"customer_name": '=HYPERLINK("http://x","y")'},
    ),
    (
        "name-sql",
        {"customer_name": "'); DROP TABLE claims;--"},
        {"customer_name": "'); DROP TABLE claims;--"},
    ),
]


def values() -> list[Case]:
    rows = [good("val-ok")] + [good(rid, **changes) for rid, changes, _ in VALUES]
    loaded: dict[str, dict[str, object]] = {"val-ok": {}}
    quarantined = {}
    for rid, _, expected in VALUES:
        if isinstance(expected, str):
            quarantined[rid] = expected
        else:
            loaded[rid] = expected
    return [Case("values.csv", _write_bytes(csv_text(rows).encode()), loaded, quarantined)]


def workbooks() -> list[Case]:
    def two_sheets(path: Path) -> None:
        book = xlsxwriter.Workbook(path)
        first, second = book.add_worksheet("Claims"), book.add_worksheet("Notes")
        rows = [
            good("xl-1", purchase_date="", region="North"),
            good("xl-2", region=""),
            good("xl-3"),
        ]
        first.write_row(0, 0, [*HEADER, "region"])
        for number, r in enumerate(rows, 1):
            first.write_row(number, 0, [r[c] for c in HEADER])
        first.write_number(1, HEADER.index("purchase_date"), 46086)  # 2026-03-05 as a serial day
        first.merge_range(1, len(HEADER), 2, len(HEADER), "North")  # region over two rows
        second.write_row(0, 0, ["not", "claims"])
        second.write_row(1, 0, ["ignored", "sheet"])
        book.close()

    return [
        Case(
            "suning_two_sheets.xlsx",
            two_sheets,
            loaded={
                "xl-1": {"purchase_date": "2026-03-05", "region": "North"},
                "xl-2": {"region": None},
                "xl-3": {},
            },
        ),
        Case("empty.xlsx", lambda path: xlsxwriter.Workbook(path).close(), rejected="no data rows"),
    ]


def parquet() -> list[Case]:
    def wrong_types(path: Path) -> None:
        frame = pl.DataFrame([good("pq-1"), good("pq-2"), good("pq-3")]).with_columns(
            pl.Series("purchase_price", [299.0, 0.1 + 0.2, 1299.5]),
            pl.Series("quantity", [2, 1, 1]),
            pl.Series("purchase_date", ["2026-03-05"] * 3).str.to_date(),
        )
        frame.write_parquet(path)

    return [
        Case(
            "wrong_types.parquet",
            wrong_types,
            loaded={
                "pq-1": {"purchase_price": "299.00", "quantity": 2},
                "pq-3": {"purchase_price": "1299.50"},
            },
            quarantined={"pq-2": "bad_amount:purchase_price"},
        ),
    ]


def corpus() -> list[Case]:
    return [*encodings(), *layout(), *values(), *workbooks(), *parquet()]
