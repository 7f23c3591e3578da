"""Two processes, one data home: the second waits its turn, or stops naming the run in progress."""

from __future__ import annotations

import subprocess
import sys
import time

from typer.testing import CliRunner

from flows.cli.main import app
from tests.conftest import CAMPAIGN, Workspace, row

HOLD = """
import sys, time
from pathlib import Path
from flows.shared.lock import exclusive
with exclusive(Path(sys.argv[1]), "letters", "RC-2026-017") as describe:
    describe("20261015-009")
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold_lock(workspace: Workspace, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(workspace.paths.home), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def test_second_run_stops_naming_the_run_in_progress(workspace: Workspace, monkeypatch):
    workspace.write_csv("a.csv", [row()])
    monkeypatch.setenv("RECALL_LOCK_WAIT_SECONDS", "0.5")
    holder = hold_lock(workspace, 20)
    try:
        result = CliRunner().invoke(app, ["run", "intake", "-c", CAMPAIGN, "--as-of", "2026-10-15"])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "letters run 20261015-009 of campaign RC-2026-017" in message
    assert "nothing was changed" in message
    assert not workspace.paths.database.exists()


def test_second_run_waits_for_the_first_to_finish(workspace: Workspace, monkeypatch):
    workspace.write_csv("a.csv", [row()])
    monkeypatch.setenv("RECALL_LOCK_WAIT_SECONDS", "60")
    holder = hold_lock(workspace, 1.5)
    started = time.monotonic()
    result = CliRunner().invoke(app, ["run", "intake", "-c", CAMPAIGN, "--as-of", "2026-10-15"])
    holder.wait()
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 1.0  # it waited for the holder
    assert workspace.query("select status from claims") == [("eligible",)]


def test_status_lists_runs_states_and_money(workspace: Workspace):
    workspace.write_csv("a.csv", [row(), row(source_record_id="2", sku="")])
    workspace.intake()
    workspace.compensate()
    result = CliRunner().invoke(app, ["status", "-c", CAMPAIGN])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "20261015-001" in text and "intake" in text and "compensate" in text
    assert "offered 1" in text and "quarantined 1" in text
    assert "headroom │ 2,499,940.00" in text
