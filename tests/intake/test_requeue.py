"""`recall requeue` (SPEC §4): quarantined rows of archived files read again as of a later day,
so an intake run with a wrong as-of loses nothing."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
from datetime import date
from pathlib import Path

import pytest

from flows.cli.export import export_claims
from tests.conftest import AS_OF, CAMPAIGN, RECALL, Workspace, make_workspace, row

TOO_EARLY = date(2026, 9, 5)  # after the announcement, before most customers came forward


def first_list() -> list[dict[str, str]]:
    return [
        row(source_record_id="1", serial_no="K3A000501", claim_date="2026-09-02"),
        row(source_record_id="2", serial_no="K3A000502", claim_date="2026-09-20", harm="property"),
        row(source_record_id="3", serial_no="K3A000503", claim_date="2026-10-01", email="b@x.cn"),
        # the same unit as 1, later: a duplicate either way
        row(source_record_id="4", serial_no="K3A000501", claim_date="2026-09-25", email="c@x.cn"),
        # the same unit as 3, earlier: wins once both are read as of the right day
        row(source_record_id="5", serial_no="K3A000503", claim_date="2026-09-30", email="d@x.cn"),
        row(source_record_id="6", sku="K2-220", claim_date="2026-09-22"),  # ineligible
        # wrong twice: stays quarantined with only its real problem
        row(source_record_id="7", purchase_price="", claim_date="2026-10-02"),
        row(source_record_id="8", serial_no="K3A000508", claim_date="2026-10-16"),  # future still
    ]


def second_list() -> list[dict[str, str]]:
    return [
        row(source_record_id="1", serial_no="K3A000601", claim_date="2026-09-12", flags="vip"),
        row(source_record_id="2", serial_no="K3A000602", claim_date="2026-09-03"),
    ]


def exported(workspace: Workspace, out: Path) -> list[dict[str, str]]:
    export_claims(workspace.paths, CAMPAIGN, out)
    with out.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_requeue_after_an_intake_as_of_too_early_ends_like_one_clean_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from flows.intake.requeue import requeue

    clean = make_workspace(tmp_path / "clean", monkeypatch)
    clean.write_csv("a.csv", first_list())
    clean.write_csv("b.csv", second_list())
    clean.intake(AS_OF)
    clean_offers = clean.compensate(AS_OF).offers_made
    expected = exported(clean, tmp_path / "clean.csv")

    mistaken = make_workspace(tmp_path / "mistaken", monkeypatch)
    mistaken.write_csv("a.csv", first_list())
    mistaken.write_csv("b.csv", second_list())
    mistaken.intake(TOO_EARLY)
    assert mistaken.claims()["2"][1] == "future_date:claim_date"
    assert mistaken.intake(AS_OF).files[0].status == "skipped"  # the files count as loaded
    summary = requeue(CAMPAIGN, AS_OF)
    assert (summary.read_again, summary.claims, summary.quarantined) == (8, 6, 2)
    assert mistaken.compensate(AS_OF).offers_made == clean_offers > 0
    assert exported(mistaken, tmp_path / "mistaken.csv") == expected
    columns = "claim_id, file_sha256, source_file, line_no, ingest_seq, source_record_id"
    statement = f"select {columns} from claims order by claim_id"
    assert mistaken.query(statement) == clean.query(statement)  # original file and line
    assert mistaken.query("select flow, as_of, status from runs where flow = 'requeue'") == [
        ("requeue", AS_OF, "completed")
    ]


def test_requeue_reads_only_the_file_and_reason_asked_and_a_second_time_changes_nothing(
    workspace: Workspace,
):
    from flows.intake.requeue import requeue

    workspace.write_csv("a.csv", first_list())
    workspace.write_csv("b.csv", second_list())
    workspace.intake(TOO_EARLY)
    only_b = requeue(CAMPAIGN, AS_OF, file="b.csv")
    assert (only_b.read_again, only_b.claims, only_b.quarantined) == (1, 1, 0)
    assert workspace.query(
        "select source_file, count(*) from claims group by all order by all"
    ) == [("a.csv", 1), ("b.csv", 2)]
    by_reason = requeue(CAMPAIGN, AS_OF, reason="bad_value:quantity")
    assert by_reason.read_again == 0
    by_kind = requeue(CAMPAIGN, AS_OF, reason="future_date")
    assert (by_kind.read_again, by_kind.claims, by_kind.quarantined) == (7, 5, 2)
    tables = "select * from claims order by claim_id", "select * from quarantine order by line_no"
    settled = [workspace.query(t) for t in tables]
    again = requeue(CAMPAIGN, AS_OF)
    assert (again.read_again, again.claims, again.quarantined) == (2, 0, 2)
    assert [workspace.query(t) for t in tables] == settled
    assert dict(workspace.query("select source_record_id, reasons from quarantine")) == {
        "7": "missing_field:purchase_price",
        "8": "future_date:claim_date",
    }


def test_requeue_refuses_a_file_never_loaded_and_an_unknown_reason(workspace: Workspace):
    from flows.intake.requeue import RequeueRefused, requeue

    workspace.write_csv("a.csv", first_list())
    workspace.intake(TOO_EARLY)
    quarantine = workspace.query("select * from quarantine order by line_no")
    runs = workspace.query("select * from runs")
    with pytest.raises(RequeueRefused, match=r"no customer list named 'c\.csv'.*a\.csv"):
        requeue(CAMPAIGN, AS_OF, file="c.csv")
    with pytest.raises(RequeueRefused, match=r"future-date.*future_date:claim_date"):
        requeue(CAMPAIGN, AS_OF, reason="future-date")
    assert workspace.query("select * from quarantine order by line_no") == quarantine
    assert workspace.query("select count(*) from claims") == [(1,)]
    assert workspace.query("select * from runs") == runs  # refused, not run


def test_a_requeue_killed_between_files_changed_nothing_and_its_rerun_does_it_all(
    workspace: Workspace,
):
    from prefect.settings import PREFECT_API_URL

    from flows.intake.requeue import requeue
    from flows.shared.crash import CRASH_ENV

    workspace.write_csv("a.csv", first_list())
    workspace.write_csv("b.csv", second_list())
    workspace.intake(TOO_EARLY)
    tables = "select * from claims order by claim_id", "select * from quarantine order by line_no"
    before = [workspace.query(t) for t in tables]
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    env[CRASH_ENV] = "requeue:file#2"  # both files read, nothing committed
    command = [*RECALL, "requeue", "-c", CAMPAIGN, "--as-of", str(AS_OF)]
    killed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert [workspace.query(t) for t in tables] == before
    summary = requeue(CAMPAIGN, AS_OF)
    assert (summary.read_again, summary.claims, summary.quarantined) == (8, 6, 2)
    assert workspace.query("select status, count(*) from claims group by all order by all") == [
        ("duplicate", 2),
        ("eligible", 5),
        ("ineligible", 1),
    ]
