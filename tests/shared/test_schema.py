"""The schema is built by versioned files, applied once, in order."""

from __future__ import annotations

import duckdb
import pytest

from flows.shared import db
from flows.shared.settings import SQL_DIR


def test_migrations_are_recorded_and_reapplying_is_a_noop(con):
    versions = [
        v for (v,) in con.execute("select version from schema_migrations order by 1").fetchall()
    ]
    assert versions == sorted(p.stem for p in (SQL_DIR / "schema").glob("*.sql"))
    assert db.migrate(con) == []


def test_core_tables_exist(con):
    tables = {
        t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()
    }
    assert {"runs", "input_files", "claims", "quarantine", "duplicates"} <= tables


def test_file_database_survives_reopen(tmp_path):
    path = tmp_path / "r.duckdb"
    db.connect(path).close()
    again = db.connect(path)
    assert db.migrate(again) == []
    again.close()


def test_date_and_amount_macros(con):
    got = con.execute(
        "select recall_date('2026-03-05', false), recall_date('2026/3/5', false), "
        "recall_date('2026年3月5日', false), recall_date('46086', true), "
        "recall_date('46086', false), "
        "recall_date('2026-02-30', false), recall_amount('¥1,299.00'), recall_amount('1.299,00')"
    ).fetchall()[0]
    day = got[0]
    assert got[1:] == (day, day, day, None, None, 1299, None) and str(day) == "2026-03-05"


def test_an_update_in_table_order_leaves_the_optimizer_whole(con):
    """db.update turns join reordering off for its statement only, even when it fails (the
    rows it changes are checked by every intake and compensate test)."""
    db.update(con, "intake/claims_duplicate", campaign="X")
    assert db.scalar(con, "select current_setting('disabled_optimizers')") == ""
    with pytest.raises(duckdb.Error):
        db.update(con, "intake/claims_duplicate")  # $campaign not given
    assert db.scalar(con, "select current_setting('disabled_optimizers')") == ""


def schema_before(version: str) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the migrations before `version` applied, as an older
    version of recall left it."""
    con = duckdb.connect(":memory:")
    db.execute(con, "create table schema_migrations (version varchar primary key)")
    for path in sorted((SQL_DIR / "schema").glob("*.sql")):
        if path.stem < version:
            con.execute(path.read_text(encoding="utf-8")).fetchall()
            db.execute(con, "insert into schema_migrations values (?)", [path.stem])
    return con


ENTITLEMENT = ["C-1", "C", "r", "t", "1.00", "1.00", "0", "0.00", "0.00", "1.00", "1.00", "", ""]


def test_entitlements_lose_their_key_index_and_keep_their_rows():
    """0007 rebuilds entitlements without the primary key (its index cost 20 s at 10M)."""
    con = schema_before("0007")
    db.execute(
        con, "insert into entitlements values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ENTITLEMENT
    )
    assert db.migrate(con)[0] == "0007_entitlements_unkeyed"  # then the later ones
    assert con.execute("select claim_id, total from entitlements").fetchall() == [("C-1", 1)]
    keys = (
        "select count(*) from duckdb_constraints() "
        "where table_name = 'entitlements' and constraint_type = 'PRIMARY KEY'"
    )
    assert db.scalar(con, keys) == 0
    with pytest.raises(duckdb.ConstraintException):  # the columns stay required
        db.execute(con, "insert into entitlements (claim_id) values ('C-2')")


def test_payout_lines_quarantined_before_move_out_of_the_claims_quarantine():
    """0009: a payout line is never a claim; lines a reconcile quarantined with the customer
    rows move to payout_quarantine, the customer rows stay."""
    con = schema_before("0009")
    for sha, kind, name in [("s-list", "lists", "a.csv"), ("s-pay", "payouts", "lianpay_1.csv")]:
        db.execute(
            con,
            "insert into input_files values (?, ?, ?, ?, 'x', 1, 1, 'r', 'loaded', 1, null)",
            ["C", sha, kind, name],
        )
        db.execute(
            con,
            "insert into quarantine values ('C', 'r', ?, ?, 2, 1, ?, 'bad_amount', '{}')",
            [sha, name, f"{kind}-1"],
        )
    assert db.migrate(con)[0] == "0009_payout_quarantine"
    assert con.execute("select source_record_id from quarantine").fetchall() == [("lists-1",)]
    moved = "select source_file, line_no, source_record_id, reasons from payout_quarantine"
    assert con.execute(moved).fetchall() == [("lianpay_1.csv", 2, "payouts-1", "bad_amount")]


def test_a_claim_with_two_entitlements_is_refused(con):
    from flows.compensate.flow import DoubledEntitlement, check_one_entitlement_per_claim

    insert = "insert into entitlements values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    db.execute(con, insert, ENTITLEMENT)
    db.execute(con, insert, ["C-2", *ENTITLEMENT[1:]])
    db.execute(con, insert, ["C-1", "OTHER", *ENTITLEMENT[2:]])  # another campaign's claim
    check_one_entitlement_per_claim(con, "C")
    db.execute(con, insert, ENTITLEMENT)
    with pytest.raises(DoubledEntitlement, match=r"C-1 \(2×\)"):
        check_one_entitlement_per_claim(con, "C")


def test_overrides_accepted_without_a_usable_amount_become_invalid_on_upgrade():
    """0010: such a line failed every compensate (offers.adjustment is required); invalid, a
    corrected line in a later file is taken."""
    con = schema_before("0010")
    lines = [(1, "C-1", "override", None), (2, "C-2", "override", "0.00")]
    lines += [(3, "C-3", "override", "88.00"), (4, "C-4", "approve", None)]
    for line, claim_id, decision, amount in lines:
        db.execute(
            con,
            "insert into review_decisions values ('C', 'f', ?, 'r', ?, ?, ?, 'W', '', 'accepted')",
            [line, claim_id, decision, amount],
        )
    assert "0010_review_decision_reasons" in db.migrate(con)
    got = con.execute("select line_no, outcome from review_decisions order by 1").fetchall()
    assert got == [(1, "invalid"), (2, "invalid"), (3, "accepted"), (4, "accepted")]
