"""Intake flow: files, encodings, formats, rejection, dedupe, idempotency, run records."""

from __future__ import annotations

import json

import polars as pl
import xlsxwriter

from tests.conftest import AS_OF, CAMPAIGN, Workspace, row
from tests.hostile.corpus import JD_HEADER


def test_gb18030_file_with_chinese_headers_maps_and_decodes(workspace: Workspace):
    rows = [
        {
            "source_record_id": "JD1",
            "customer_name": "张伟",
            "phone": "138 0013 8000",
            "sku": "K3-220",
            "serial_no": "K3A000777",
            "purchase_date": "2026年3月5日",
            "purchase_price": "¥1,299.00",
        }
    ]
    workspace.write_csv(
        "jd_2026-10-01.csv",
        [{JD_HEADER[k]: v for k, v in r.items()} for r in rows],
        encoding="gb18030",
        header=list(JD_HEADER.values()),
    )
    workspace.intake()
    got = workspace.query(
        "select customer_name, phone, purchase_date::varchar, "
        "purchase_price::varchar, channel, status from claims"
    )
    assert got == [("张伟", "13800138000", "2026-03-05", "1299.00", "online", "eligible")]


def test_utf8_with_bom_and_canonical_headers_loads(workspace: Workspace):
    path = workspace.write_csv("portal.csv", [row(customer_name="Zoë")], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    workspace.intake()
    assert workspace.query("select customer_name, email, channel from claims") == [
        ("Zoë", "li.wei@example.cn", "unknown")
    ]


def test_xlsx_with_date_cells_and_serial_dates_loads(workspace: Workspace):
    path = workspace.lists / "suning_2026-10-08.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Order No", "Customer", "Mobile", "Item", "Serial", "Bought", "Price"])
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    import datetime

    sheet.write_row(1, 0, ["S1", "Ann", "13800000001", "K3-110", "K3A000201"])
    sheet.write_datetime(1, 5, datetime.datetime(2026, 3, 5), day)
    sheet.write_number(1, 6, 259.5)
    sheet.write_row(2, 0, ["S2", "Bob", "13800000002", "K3-110", "K3A000202"])
    sheet.write_number(2, 5, 46086)  # Excel serial day for 2026-03-05
    sheet.write_string(2, 6, "259.50")
    book.close()
    workspace.intake()
    got = workspace.query(
        "select source_record_id, purchase_date::varchar, purchase_price::varchar,"
        " channel, line_no from claims order by 1"
    )
    assert got == [
        ("S1", "2026-03-05", "259.50", "store", 2),
        ("S2", "2026-03-05", "259.50", "store", 3),
    ]


def test_parquet_loads(workspace: Workspace):
    frame = pl.DataFrame([row(source_record_id="P1")]).with_columns(pl.lit(2).alias("quantity"))
    frame.write_parquet(workspace.lists / "export.parquet")
    workspace.intake()
    assert workspace.query("select quantity, status from claims") == [(2, "eligible")]


def test_bad_files_are_rejected_alone(workspace: Workspace):
    workspace.write_csv("a_good.csv", [row(source_record_id="G1")])
    (workspace.lists / "b_empty.csv").write_bytes(b"")
    workspace.write_csv(
        "c_no_sku.csv", [row(source_record_id="N1")], header=[c for c in row() if c != "sku"]
    )
    (workspace.lists / "d_garbled.csv").write_bytes(
        b'source_record_id,customer_name\n1,"never closed\n' + bytes(range(128, 256)) * 4
    )
    (workspace.lists / "e_truncated.xlsx").write_bytes(b"PK\x03\x04 truncated zip")
    workspace.write_csv("f_good.csv", [row(source_record_id="G2", serial_no="K3A000600")])

    summary = workspace.intake()

    by_name = {f.file_name: f for f in summary.files}
    assert [by_name[n].status for n in sorted(by_name)] == [
        "loaded",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "loaded",
    ]
    rejected = workspace.lists / "rejected"
    for name, reason in [
        ("b_empty.csv", "the file is empty"),
        ("c_no_sku.csv", "required column missing: sku"),
        ("d_garbled.csv", ""),
        ("e_truncated.xlsx", "unreadable XLSX"),
    ]:
        message = (rejected / f"{name}.error.txt").read_text(encoding="utf-8")
        assert message.startswith(f"{name}: ") and reason in message
        assert message.count("\n") == 1, message
        assert (rejected / name).exists() and not (workspace.lists / name).exists()
    assert sorted(workspace.claims()) == ["G1", "G2"]


def test_same_unit_in_two_files_earliest_claim_wins(workspace: Workspace):
    workspace.write_csv("a.csv", [row(source_record_id="A1", claim_date="2026-09-20")])
    workspace.write_csv("b.csv", [row(source_record_id="B1", claim_date="2026-09-10")])
    workspace.intake()
    claims = workspace.claims()
    winner = workspace.query("select claim_id from claims where source_record_id = 'B1'")[0][0]
    assert claims["B1"] == ("eligible", "", None)
    assert claims["A1"] == ("duplicate", "", winner)


def test_same_claim_date_earlier_file_ingest_wins(workspace: Workspace):
    workspace.write_csv("b.csv", [row(source_record_id="1")])
    workspace.intake()
    workspace.write_csv("a.csv", [row(source_record_id="0")])  # earlier name, later ingest
    workspace.intake()
    claims = workspace.claims()
    assert claims["1"][0] == "eligible" and claims["0"][0] == "duplicate"


def test_same_file_ties_break_on_source_record_id_as_text(workspace: Workspace):
    workspace.write_csv("a.csv", [row(source_record_id="9"), row(source_record_id="10")])
    workspace.intake()
    claims = workspace.claims()
    assert claims["10"][0] == "eligible" and claims["9"][0] == "duplicate"
    dup = workspace.query("select unit_key from duplicates")
    assert dup == [("K3-220 | K3A000500",)]


def test_intake_twice_changes_nothing(workspace: Workspace):
    workspace.write_csv(
        "a.csv",
        [
            row(
                source_record_id=str(i),
                serial_no=f"K3A{500 + i % 7:06d}",
                purchase_price="x" if i == 3 else "299",
            )
            for i in range(20)
        ],
    )
    tables = ("claims", "quarantine", "duplicates")

    def snapshot() -> list[list[tuple]]:
        return [sorted(map(str, workspace.query(f"select * from {t}"))) for t in tables]

    workspace.intake()
    before = snapshot()
    second = workspace.intake()
    assert [f.status for f in second.files] == ["skipped"]
    assert snapshot() == before
    assert workspace.query("select count(*) from input_files") == [(1,)]


def test_run_record_holds_inputs_counts_and_status(workspace: Workspace):
    path = workspace.write_csv("a.csv", [row(), row(source_record_id="2", sku="")])
    summary = workspace.intake()
    runs = workspace.query("select run_id, campaign, flow, as_of, status, counts from runs")
    assert len(runs) == 1
    run_id, campaign, flow, as_of, status, counts = runs[0]
    assert (run_id, campaign, flow, as_of, status) == (
        summary.run_id,
        CAMPAIGN,
        "intake",
        AS_OF,
        "completed",
    )
    recorded = json.loads(counts)
    assert recorded["states"] == {"eligible": 1, "quarantined": 1}
    assert recorded["inputs"][0]["file_name"] == "a.csv"
    from flows.shared.files import sha256_file

    archived = workspace.query("select sha256, archived_path from input_files")[0]
    assert archived[0] == sha256_file(path) == recorded["inputs"][0]["sha256"]
    assert sha256_file(workspace.paths.home / archived[1]) == archived[0]


def test_quarantined_rows_are_kept_verbatim(workspace: Workspace):
    workspace.write_csv("a.csv", [row(source_record_id="Q", purchase_price=" ¥12x ")])
    workspace.intake()
    reasons, raw, line = workspace.query("select reasons, raw, line_no from quarantine")[0]
    assert reasons == "bad_amount:purchase_price" and line == 2
    assert json.loads(raw)["purchase_price"] == " ¥12x "


def test_row_with_extra_cells_is_quarantined_and_the_rest_loads(workspace: Workspace):
    header = ",".join(row())
    good = ",".join(row().values())
    lines = [
        header,
        good,
        good.replace("1,Li Wei", '2,"Li\nWei"', 1).replace("K3A000500", "K3A000502"),
        good.replace("1,Li Wei", "3,Extra", 1).replace("K3A000500", "K3A000503") + ",surplus",
        good.replace("1,Li Wei", "4,Zhao", 1).replace("K3A000500", "K3A000504"),
    ]
    (workspace.lists / "ragged.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = workspace.intake()
    assert [f.status for f in summary.files] == ["loaded"]
    claims = workspace.claims()
    assert {k: v[0] for k, v in claims.items()} == {
        "1": "eligible",
        "2": "eligible",
        "3": "quarantined",
        "4": "eligible",
    }
    reasons, line, raw = workspace.query("select reasons, line_no, raw from quarantine")[0]
    assert (reasons, line) == ("bad_value:field_count", 5)  # line 3 holds a two-line cell
    assert json.loads(raw)["_extra"] == "surplus"
    assert workspace.query(
        "select customer_name, line_no from claims where source_record_id = '2'"
    ) == [("Li\nWei", 3)]


def test_header_only_file_and_empty_workbook_are_rejected(workspace: Workspace):
    workspace.write_csv("a_header_only.csv", [])
    xlsxwriter.Workbook(workspace.lists / "b_empty.xlsx").close()
    workspace.write_csv("c_good.csv", [row()])
    summary = workspace.intake()
    assert [(f.file_name, f.status) for f in summary.files] == [
        ("a_header_only.csv", "rejected"),
        ("b_empty.xlsx", "rejected"),
        ("c_good.csv", "loaded"),
    ]
    for name in ("a_header_only.csv", "b_empty.xlsx"):
        message = (workspace.lists / "rejected" / f"{name}.error.txt").read_text(encoding="utf-8")
        assert message == f"{name}: the file has no data rows\n"


def test_a_header_naming_a_column_twice_rejects_the_file_and_the_others_carry_on(
    workspace: Workspace,
):
    workspace.write_csv("a_two_sku.csv", [row(source_record_id="A")], header=[*row(), "sku"])
    workspace.write_csv("b_spaced_sku.csv", [row(source_record_id="B")], header=[*row(), " sku "])
    book = xlsxwriter.Workbook(workspace.lists / "c_two_sku.xlsx")
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, [*row(), "sku"])
    sheet.write_row(1, 0, [*row(source_record_id="C").values(), "K3-110"])
    book.close()
    workspace.write_csv("d_good.csv", [row(source_record_id="D")])
    jd = row(source_record_id="J", phone="13800138000")
    mapped = {JD_HEADER[k]: v for k, v in jd.items() if k in JD_HEADER}  # 商品编码 maps to sku
    workspace.write_csv("jd_twice.csv", [mapped | {"sku": "K3-110"}], header=[*mapped, "sku"])

    summary = workspace.intake()

    statuses = {f.file_name: f.status for f in summary.files}
    assert statuses == {
        "a_two_sku.csv": "rejected",
        "b_spaced_sku.csv": "rejected",
        "c_two_sku.xlsx": "rejected",
        "d_good.csv": "loaded",
        "jd_twice.csv": "rejected",
    }
    rejected = workspace.lists / "rejected"
    for name in ("a_two_sku.csv", "b_spaced_sku.csv", "c_two_sku.xlsx", "jd_twice.csv"):
        message = (rejected / f"{name}.error.txt").read_text(encoding="utf-8")
        assert message.startswith(f"{name}: ") and "'sku' twice" in message, message
        assert message.count("\n") == 1, message
        assert (rejected / name).exists() and not (workspace.lists / name).exists()
    assert sorted(workspace.claims()) == ["D"]
