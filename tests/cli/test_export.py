"""`recall export claims`: one row per input row, SPEC §4 columns."""

from __future__ import annotations

import csv

from flows.cli.export import export_claims
from tests.conftest import CAMPAIGN, Workspace, row

COLUMNS = [
    "source_file",
    "source_record_id",
    "status",
    "reasons",
    "duplicate_of",
    "tier",
    "goodwill",
    "bonus",
    "expenses",
    "total",
    "review_reasons",
    "prorate_factor",
    "claim_id",
    "payment_status",
    "letters",
]


def test_export_has_one_row_per_input_row(workspace: Workspace, tmp_path):
    workspace.write_csv(
        "a.csv",
        [
            row(source_record_id="1"),
            row(source_record_id="2", purchase_price="x"),
            row(source_record_id="3", sku="K2"),
            row(source_record_id="=HYPERLINK(1)", serial_no="K3A000500", claim_date="2026-09-30"),
        ],
    )
    workspace.intake()
    out = tmp_path / "claims.csv"
    assert export_claims(workspace.paths, CAMPAIGN, out) == 4
    with out.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        rows = {r["source_record_id"]: r for r in reader}
    assert rows["1"]["status"] == "eligible" and rows["1"]["reasons"] == ""
    assert rows["2"]["status"] == "quarantined"
    assert rows["2"]["reasons"] == "bad_amount:purchase_price"
    assert rows["3"]["status"] == "ineligible" and rows["3"]["reasons"] == "not_affected_sku"
    assert rows["'=HYPERLINK(1)"]["status"] == "duplicate"
    assert rows["'=HYPERLINK(1)"]["duplicate_of"] == "a.csv:1"


def test_an_unreadable_payout_line_is_quarantined_apart_and_never_counted_as_a_claim(
    workspace: Workspace, tmp_path
):
    from flows.reconcile.flow import reconcile
    from tests.reconcile.test_reconcile import ROUNDS, instructions, write_payouts

    workspace.write_csv("a.csv", [row(source_record_id="1"), row(source_record_id="2", sku="K2")])
    workspace.intake()
    workspace.compensate()
    ref, amount = instructions(workspace)["1"]
    day = str(ROUNDS[0])
    write_payouts(
        workspace,
        "payouts_1.csv",
        [
            [ref, "T-1", str(amount), "CNY", "paid", day, ""],
            [ref, "LP-BAD-1", "八十八", "CNY", "paid", day, ""],
        ],
    )
    reconcile(CAMPAIGN, ROUNDS[0])

    out = tmp_path / "claims.csv"
    assert export_claims(workspace.paths, CAMPAIGN, out) == 2
    text = out.read_text(encoding="utf-8")
    assert "LP-BAD-1" not in text and "payouts_1.csv" not in text
    counts = workspace.intake(ROUNDS[0]).status_counts  # runs go forward in time
    assert {status: rows for status, rows in counts.items() if rows} == {
        "ineligible": 1,
        "offered": 1,
    }
    assert workspace.query("select count(*) from quarantine") == [(0,)]
    assert workspace.query(
        "select source_file, line_no, source_record_id, reasons from payout_quarantine"
    ) == [("payouts_1.csv", 3, "LP-BAD-1", "bad_amount")]


def test_export_cells_are_written_as_polars_wrote_them_quoted_only_when_needed(tmp_path):
    """The export writes its CSV without Polars (a command that runs no flow imports none):
    every cell as Polars' write_csv wrote it — NULL empty, empty text "", quotes doubled,
    commas and line breaks quoted, everything else as is."""
    import polars as pl

    from flows.cli.export import csv_line

    cells = ["plain", "", None, "a,b", 'say "hi"', "two\nlines", "cr\rx", " sp ", "#1", "日本"]
    polars_csv = tmp_path / "polars.csv"
    pl.DataFrame({f"c{i}": [cell] for i, cell in enumerate(cells)}).write_csv(polars_csv)
    ours = csv_line([f"c{i}" for i in range(len(cells))]) + csv_line(cells)
    assert ours.encode("utf-8") == polars_csv.read_bytes()


def test_export_names_each_claim_its_payment_status_and_the_letters_sent(
    workspace: Workspace, tmp_path
):
    """claim_id is the reference letters ask customers to quote; payment_status the newest
    payout of the newest instruction (instructed while none came); letters kind:channel:date."""
    from flows.letters.flow import letters
    from flows.reconcile.flow import reconcile
    from tests.reconcile.test_reconcile import ROUNDS, instructions, write_payouts

    workspace.write_csv(
        "a.csv",
        [
            row(source_record_id="1"),
            row(source_record_id="2", email="b@example.cn", serial_no="K3A000501"),
            row(source_record_id="3", sku="K2", email="c@example.cn"),
            row(source_record_id="4", purchase_price="x"),
        ],
    )
    workspace.intake()
    workspace.compensate()
    letters(CAMPAIGN, ROUNDS[0])
    ref, amount = instructions(workspace)["1"]
    day = str(ROUNDS[0])
    write_payouts(workspace, "p.csv", [[ref, "T-1", str(amount), "CNY", "paid", day, ""]])
    reconcile(CAMPAIGN, ROUNDS[0])

    out = tmp_path / "claims.csv"
    export_claims(workspace.paths, CAMPAIGN, out)
    with out.open(encoding="utf-8") as handle:
        rows = {r["source_record_id"]: r for r in csv.DictReader(handle)}
    ids = dict(workspace.query("select source_record_id, claim_id from claims"))
    # a quarantined row's reference is the one a deficiency letter asks the customer to quote
    [(reference,)] = workspace.query("select claim_id from quarantine")
    assert [rows[k]["claim_id"] for k in "1234"] == [ids["1"], ids["2"], ids["3"], reference]
    assert [rows[k]["payment_status"] for k in "1234"] == ["paid", "instructed", "", ""]
    assert rows["1"]["letters"] == f"offer:email:{day}"
    assert rows["3"]["letters"] == f"rejection:email:{day}"
    # the quarantined row's price could not be read: a deficiency letter asks for it (SPEC §11)
    assert rows["4"]["letters"] == f"deficiency:email:{day}"
