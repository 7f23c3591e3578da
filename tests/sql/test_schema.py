"""The schema is built by versioned files, applied once, in order."""

from __future__ import annotations

import duckdb
import pytest

from flows import db
from flows.settings import SQL_DIR


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
