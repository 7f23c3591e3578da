"""The review queue workbook (SPEC §6a): what reviewers work in, and read back as decisions."""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from tests.compensate.test_compensate import claim, decide
from tests.conftest import AS_OF, CAMPAIGN, Workspace, make_workspace

REPLY_WITHIN_DAYS = 10  # [review] reply_within_days of the shipped campaign


def into_review(space: Workspace) -> dict[str, str]:
    """Four claims in review for different reasons (a VIP: 180.00, an injury: 600.00, a large
    amount: 1800.00, and both a VIP and a large amount); their claim ids by source record."""
    space.write_csv(
        "a.csv",
        [
            claim("A", 1, flags="vip", documented_expenses="80.00", expense_type="postage"),
            claim("B", 2, harm="injury"),
            claim("C", 3, purchase_price="12000.00", quantity="5"),
            claim("D", 4, flags="vip", purchase_price="12000.00", quantity="5"),
        ],
    )
    space.intake()
    space.compensate()
    return dict(space.query("select source_record_id, claim_id from claims"))


def acknowledged(space: Workspace) -> None:
    """The claims in review, each sent its acknowledgement (reply by AS_OF + 10 days)."""
    from flows.letters.flow import letters

    into_review(space)
    letters(CAMPAIGN, AS_OF)
    assert space.query("select count(*) from letters where kind = 'acknowledgement'") == [(4,)]


def queue_sheet(space: Workspace) -> Worksheet:
    book = openpyxl.load_workbook(space.paths.out(CAMPAIGN, "review") / "queue.xlsx")
    return book["review queue"]


def header(sheet: Worksheet) -> list[str]:
    return [str(cell.value) for cell in sheet[1]]


def column(sheet: Worksheet, name: str) -> list[object]:
    at = header(sheet).index(name)
    return [row[at].value for row in sheet.iter_rows(min_row=2)]


def queue_csv(space: Workspace) -> list[dict[str, str]]:
    with (space.paths.out(CAMPAIGN, "review") / "queue.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_queue_money_is_numbers_with_two_decimals_in_the_workbook_and_exact_in_the_csv(
    workspace: Workspace,
):
    into_review(workspace)
    sheet = queue_sheet(workspace)
    for name in ("goodwill", "bonus", "expenses", "total", "holdback"):
        at = header(sheet).index(name)
        cells = [row[at] for row in sheet.iter_rows(min_row=2)]
        assert all(c.data_type == "n" and isinstance(c.value, int | float) for c in cells), name
        assert {c.number_format for c in cells} == {"#,##0.00"}, name
    assert column(sheet, "total") == [180, 600, 1800, 1800]
    assert column(sheet, "holdback") == [180, 5000, 1800, 1800]  # injury holds injury_holdback
    assert sum(column(sheet, "bonus")) == 30 + 100 + 300 + 300  # type: ignore[arg-type]
    rows = queue_csv(workspace)
    assert [r["total"] for r in rows] == ["180.00", "600.00", "1800.00", "1800.00"]
    assert [r["bonus"] for r in rows] == ["30.00", "100.00", "300.00", "300.00"]


def test_queue_has_reasons_in_words_reply_by_days_overdue_and_empty_decision_columns(
    workspace: Workspace,
):
    acknowledged(workspace)
    workspace.compensate(AS_OF + timedelta(days=REPLY_WITHIN_DAYS + 3))
    sheet = queue_sheet(workspace)
    assert header(sheet)[:11] == [  # what a decision needs, on the first screen
        "claim_id",
        "customer_name",
        "reasons",
        "total",
        "holdback",
        "reply_by",
        "days_overdue",
        "decision",
        "amount",
        "reviewer",
        "note",
    ]
    assert column(sheet, "reasons") == [
        "flagged vip",
        "the customer reports harm (injury or property damage)",
        "the amount is above the review threshold",
        "the amount is above the review threshold; flagged vip",  # order as review_reasons
    ]
    assert column(sheet, "expense_notes")[0] == "expenses not reimbursed: no receipt yet"
    reply_by = AS_OF + timedelta(days=REPLY_WITHIN_DAYS)
    assert {v.date() for v in column(sheet, "reply_by")} == {reply_by}  # type: ignore[attr-defined]
    assert column(sheet, "days_overdue") == [3, 3, 3, 3]
    for name in ("decision", "amount", "reviewer", "note"):
        assert column(sheet, name) == [None] * 4, name
    [drop_down] = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    decision_column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[header(sheet).index("decision")]
    assert str(drop_down.sqref) == f"{decision_column}2:{decision_column}5"
    assert (drop_down.type, drop_down.formula1) == ("list", '"approve,reject,override"')
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["A"].width >= 20  # a claim id fits (widths in characters)
    rows = queue_csv(workspace)
    assert [(r["reply_by"], r["days_overdue"]) for r in rows] == [(str(reply_by), "3")] * 4


def test_queue_days_overdue_agree_with_recall_status(workspace: Workspace):
    from flows.cli.status import campaign_status

    acknowledged(workspace)
    workspace.compensate(AS_OF + timedelta(days=REPLY_WITHIN_DAYS))  # due today: not overdue
    assert [r["days_overdue"] for r in queue_csv(workspace)] == ["0"] * 4
    assert campaign_status(workspace.paths, CAMPAIGN).reviews["overdue"] == 0
    workspace.compensate(AS_OF + timedelta(days=REPLY_WITHIN_DAYS + 1))
    assert [r["days_overdue"] for r in queue_csv(workspace)] == ["1"] * 4
    assert campaign_status(workspace.paths, CAMPAIGN).reviews["overdue"] == 4


def test_queue_workbook_is_the_same_bytes_for_the_same_as_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    books = []
    for home in ("a", "b"):
        space = make_workspace(tmp_path / home, monkeypatch)
        into_review(space)
        books.append((space.paths.out(CAMPAIGN, "review") / "queue.xlsx").read_bytes())
    assert books[0] == books[1]


def fill(sheet: Worksheet, ids: dict[str, str], lines: dict[str, tuple[object, ...]]) -> None:
    """Write (decision, amount, reviewer, note) in the rows of the given source records."""
    names = header(sheet)
    at = {name: names.index(name) + 1 for name in ("decision", "amount", "reviewer", "note")}
    rows = {str(row[0].value): row[0].row for row in sheet.iter_rows(min_row=2)}
    for record, cells in lines.items():
        for name, value in zip(at, cells, strict=True):
            sheet.cell(rows[ids[record]], at[name], value)


def drop_filled_queue(space: Workspace, lines: dict[str, tuple[object, ...]]) -> Path:
    ids = dict(space.query("select source_record_id, claim_id from claims"))
    source = space.paths.out(CAMPAIGN, "review") / "queue.xlsx"
    book = openpyxl.load_workbook(source)
    fill(book["review queue"], ids, lines)
    folder = space.paths.inbox(CAMPAIGN, "reviews")
    folder.mkdir(parents=True, exist_ok=True)
    book.save(folder / "queue.xlsx")
    return folder / "queue.xlsx"


def decisions_taken(space: Workspace) -> dict[str, object]:
    return {
        "review_decisions": space.query(
            "select c.source_record_id, d.line_no, d.decision, d.amount, d.reviewer, d.note, "
            "d.outcome, d.reason from review_decisions d join claims c using (claim_id) "
            "order by d.line_no"
        ),
        "claims": space.query("select source_record_id, status from claims order by 1"),
        "offers": space.query(
            "select c.source_record_id, o.goodwill, o.bonus, o.expenses, o.total "
            "from offers o join claims c using (claim_id) order by 1"
        ),
    }


def test_a_filled_in_queue_workbook_decides_exactly_as_the_same_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    lines: dict[str, tuple[object, ...]] = {
        "A": ("approve", None, "Wang Fang", "VIP, standard terms"),
        "C": ("override", 1234.5, "Wang Fang", "goodwill gesture"),
        "D": ("reject", None, "Chen Jie", "unit was resold"),
    }  # B is left empty: not decided yet
    book = make_workspace(tmp_path / "book", monkeypatch)
    ids = into_review(book)
    drop_filled_queue(book, lines)
    from_book = book.compensate()
    taken = decisions_taken(book)

    twin = make_workspace(tmp_path / "csv", monkeypatch)
    assert into_review(twin) == ids
    order = [r["claim_id"] for r in queue_csv(twin)]
    by_id = {ids[record]: cells for record, cells in lines.items()}
    rows = [
        [claim_id, *(("" if v is None else f"{v:.2f}" if isinstance(v, float) else v) for v in c)]
        for claim_id in order
        for c in [by_id.get(claim_id, ("", None, "", ""))]
    ]
    decide(twin, rows)
    from_csv = twin.compensate()
    assert from_book.decisions == from_csv.decisions == {"accepted": 3}
    assert taken == decisions_taken(twin)
    assert [(r[0], r[4]) for r in taken["offers"]] == [  # type: ignore[attr-defined]
        ("A", Decimal("180.00")),
        ("C", Decimal("1234.50")),
    ]
    assert [r[:2] for r in taken["review_decisions"]] == [("A", 2), ("C", 4), ("D", 5)]  # type: ignore[index]


def test_a_numeric_amount_cell_is_read_exactly_to_the_cent(workspace: Workspace):
    into_review(workspace)
    amounts = {
        "A": 1234.5,
        "B": 0.1 + 0.2,  # 0.30000000000000004 in the cell
        "C": 100.1 - 0.01,  # 100.08999999999999
        "D": 49999.99,
    }
    drop_filled_queue(workspace, {r: ("override", a, "Wang Fang", "") for r, a in amounts.items()})
    assert workspace.compensate().decisions == {"accepted": 4}
    assert workspace.query(
        "select c.source_record_id, d.amount::varchar from review_decisions d "
        "join claims c using (claim_id) order by 1"
    ) == [("A", "1234.50"), ("B", "0.30"), ("C", "100.09"), ("D", "49999.99")]


def test_an_amount_cell_that_is_no_amount_is_a_problem_naming_file_row_and_field(
    workspace: Workspace,
):
    into_review(workspace)
    amounts = {"A": "eighty", "B": 12.345, "C": 123456789012.34, "D": "1e3"}
    drop_filled_queue(workspace, {r: ("override", a, "Wang Fang", "") for r, a in amounts.items()})
    summary = workspace.compensate()
    assert summary.decisions == {"invalid": 4}
    plain = "is not a plain decimal with at most two places"
    assert summary.decision_problems == [
        f"reviews/queue.xlsx line 2: invalid: override amount 'eighty' {plain}",
        f"reviews/queue.xlsx line 3: invalid: override amount '12.345' {plain}",
        "reviews/queue.xlsx line 4: invalid: override amount 123456789012.34 is above "
        "review.max_override 50000.00",
        f"reviews/queue.xlsx line 5: invalid: override amount '1e3' {plain}",
    ]


def test_a_queue_copy_with_extra_columns_and_blank_rows_reads_the_decided_rows(
    workspace: Workspace,
):
    ids = into_review(workspace)
    target = drop_filled_queue(workspace, {"D": ("Approve", None, "Wang Fang", "")})
    book = openpyxl.load_workbook(target)
    sheet = book["review queue"]
    sheet.cell(1, sheet.max_column + 1, "my own remarks")
    sheet.cell(3, sheet.max_column, "call back on Monday")
    sheet.insert_rows(3)  # a blank row: D moves from row 5 to row 6
    book.save(target)
    summary = workspace.compensate()
    assert summary.decisions == {"accepted": 1} and summary.decision_problems == []
    assert workspace.query("select claim_id, line_no, decision from review_decisions") == [
        (ids["D"], 6, "approve")
    ]


def test_queue_csv_dropped_back_unfilled_decides_nothing(workspace: Workspace):
    into_review(workspace)
    folder = workspace.paths.inbox(CAMPAIGN, "reviews")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(workspace.paths.out(CAMPAIGN, "review") / "queue.csv", folder / "queue.csv")
    summary = workspace.compensate()
    assert summary.decisions == {} and summary.decision_problems == []
    assert {s for (s,) in workspace.query("select status from claims")} == {"review"}


def test_queue_as_of_is_not_the_clock(workspace: Workspace):
    into_review(workspace)
    book = openpyxl.load_workbook(workspace.paths.out(CAMPAIGN, "review") / "queue.xlsx")
    assert book.properties.created is not None
    assert book.properties.created.date() == date(2026, 10, 15)


def test_queue_text_from_customer_files_is_never_a_formula(workspace: Workspace):
    workspace.write_csv(
        "a.csv", [claim("=A", 1, customer_name="=HYPERLINK(1)", flags="=2+3", harm="injury")]
    )
    workspace.intake()
    workspace.compensate()
    [row] = queue_csv(workspace)
    assert (row["customer_name"], row["flags"], row["source_record_id"]) == (
        "'=HYPERLINK(1)",
        "'=2+3",
        "'=A",
    )
