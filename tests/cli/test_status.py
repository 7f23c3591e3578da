"""`recall status` at 80 columns: short sections, run ids whole, payments, open exceptions,
reviews overdue and where the latest reports are, each agreeing with the database."""

from __future__ import annotations

import re
from datetime import timedelta

import duckdb
import pytest
from rich.console import Console
from typer.testing import CliRunner

from flows.cli import printing
from flows.cli.main import app
from tests.conftest import AS_OF, CAMPAIGN, Workspace, insert, row

runner = CliRunner()
LATER = AS_OF + timedelta(days=30)  # past the shipped config's 10-day reply-by
LONG_MESSAGE = (
    "the payout file payouts-2026-11-14.csv was refused because its header names columns "
    "the campaign's provider mapping does not know; approve the mapping and run again"
)


def item(
    cls: str, ref: str, amount: str, kind: str = "instruction", age: int = 0
) -> dict[str, object]:
    return {
        "campaign": CAMPAIGN,
        "run_id": "20261114-001",
        "as_of": LATER,
        "item": kind,
        "class": cls,
        "payment_ref": ref,
        "instructed": amount if kind == "instruction" else None,
        "paid": amount if cls == "matched" or kind == "payout" else "0.00",
        "currency": "CNY",
        "age_days": age,
    }


@pytest.fixture
def reconciled(workspace: Workspace) -> Workspace:
    """Two offers and a review made by compensate, then the items of a reconcile 30 days
    later (whose run failed with a long message) and its report, written here."""
    workspace.write_csv(
        "a.csv",
        [
            row(),
            row(source_record_id="2", serial_no="K3A000501", email="b@x.cn"),
            row(source_record_id="3", serial_no="K3A000502", email="c@x.cn", harm="injury"),
        ],
    )
    workspace.intake()
    workspace.compensate()
    con = duckdb.connect(str(workspace.paths.database))
    try:
        instructions = con.execute("select payment_ref from payment_instructions").fetchall()
        refs = [ref for (ref,) in instructions]
        assert len(refs) == 2
        for values in [
            item("matched", refs[0], "100.00"),
            item("outstanding", refs[1], "80.00", age=14),  # within the 14-day payment terms
            item("outstanding", "ref-late", "90.00", age=15),  # past them: needs a person
            item("failed", "ref-gone", "70.00"),
            item("failed", "ref-gone", "70.00", kind="payout"),  # the same case, not a second
            item("underpaid", "ref-short", "60.00"),
            item("unknown_ref", "zz", "5.00", kind="payout"),
            item("unknown_ref", "zy", "6.00", kind="payout"),
        ]:
            insert(con, "reconciliation_items", values)
        insert(
            con,
            "runs",
            {
                "run_id": "20261114-001",
                "campaign": CAMPAIGN,
                "flow": "reconcile",
                "as_of": LATER,
                "status": "failed",
                "message": LONG_MESSAGE,
            },
        )
    finally:
        con.close()
    for day in (AS_OF, LATER):
        folder = workspace.paths.out(CAMPAIGN, "reports") / f"{day}"
        folder.mkdir(parents=True)
        (folder / "reconciliation.html").write_text("<html></html>", encoding="utf-8")
    return workspace


def status_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(printing, "console", Console())  # reads COLUMNS as `recall` does
    result = runner.invoke(app, ["status", "-c", CAMPAIGN])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_status_fits_80_columns_with_run_ids_whole_and_messages_cut_with_an_ellipsis(
    reconciled: Workspace, monkeypatch: pytest.MonkeyPatch
):
    lines = status_at_80_columns(monkeypatch)
    assert max(len(line) for line in lines) <= 80, "\n".join(lines)
    text = "\n".join(lines)
    for (run_id,) in reconciled.query("select run_id from runs where campaign = ?", [CAMPAIGN]):
        assert re.search(rf"\b{run_id}\b", text), run_id  # on one line, not folded
    failed = next(line for line in lines if "20261114-001" in line)
    assert "…" in failed and "the payout file" in failed
    assert "appro" not in text.replace("approve", "")  # no word broken across lines
    [(offered,)] = reconciled.query("select count(*) from claims where status = 'offered'")
    assert re.search(rf"^  .*\boffered {offered}\b", text, re.M)  # a state and its count together


def test_status_shows_payments_exceptions_overdue_reviews_and_where_the_reports_are(
    reconciled: Workspace, monkeypatch: pytest.MonkeyPatch
):
    text = "\n".join(status_at_80_columns(monkeypatch))
    [(count, amount)] = reconciled.query(
        "select count(*), sum(amount) from payment_instructions where campaign = ?", [CAMPAIGN]
    )
    assert re.search(rf"instructed, reissues included\s+│?\s*{count}\s+│?\s*{amount:,.2f}", text)
    # the classes of the instructions add up to them: the underpaid one is among the others
    assert re.search(r"other classes \(exceptions\)\s+│?\s*1\s+│?\s*60\.00", text), text
    assert re.search(r"of which reissues\s+│?\s*0\s+│?\s*0\.00", text), text
    assert re.search(r"paid\s+│?\s*1\s+│?\s*100\.00", text), text
    assert re.search(r"outstanding\s+│?\s*2\s+│?\s*170\.00", text), text
    assert re.search(r"failed\s+│?\s*1\s+│?\s*70\.00", text), text
    # failed, underpaid, two unknown refs and one past the terms need a person; matched and
    # outstanding within the terms do not; the payout that failed counts with its instruction
    exceptions = (
        "open exceptions: 5 cases need a person\n"
        "  unknown_ref 2, failed 1, outstanding_past_terms 1, underpaid 1\n"
    )
    assert exceptions in text
    [(waiting,)] = reconciled.query("select count(*) from claims where status = 'review'")
    assert waiting == 1
    assert "reviews waiting: 1, oldest 30 days" in text
    assert "overdue (past the 10-day reply-by): 1" in text
    assert f"out/{CAMPAIGN}/reports/{LATER}/reconciliation.html" in text
    assert f"out/{CAMPAIGN}/review/queue.csv" in text
