"""Errors a user meets: one line naming what, where and what to do next; the exit code the
README gives (0 ok, 1 the run failed, 2 bad usage or configuration); a traceback only in the
owner-only log file that line names, never on the terminal — in this process and in a command's
own process alike."""

from __future__ import annotations

import io
import logging
import os
import re
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from tests.conftest import AS_OF, CAMPAIGN, RECALL, Workspace, row

runner = CliRunner()
DAY = ["--as-of", AS_OF.isoformat()]


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """What Prefect's console handler would show on the terminal, after its filters. Its own
    stream is whichever one was current when a test set Prefect's logging up (the first flow
    run of a test process does so again), so what it emits is written here instead."""
    from prefect.logging.handlers import PrefectConsoleHandler

    stream = io.StringIO()

    def emit(handler: logging.Handler, record: logging.LogRecord) -> None:
        stream.write(handler.format(record) + "\n")

    monkeypatch.setattr(PrefectConsoleHandler, "emit", emit)
    yield stream


def one_line(output: str) -> str:
    """The command's error lines on, their soft wraps undone."""
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert errors, output
    return " ".join(output[output.index(errors[0]) :].split())


def log_named(line: str) -> Path:
    """The log file an error line names; it must exist and be the owner's alone."""
    found = re.search(r"(/\S+/logs/recall-\S+\.log)", line)
    assert found, line
    path = Path(found.group(1))
    assert path.is_file(), path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    return path


def test_nightly_for_an_unknown_campaign_exits_2_naming_the_campaigns_there_are(
    workspace: Workspace, terminal: io.StringIO
):
    result = runner.invoke(app, ["run", "nightly", "--campaign", "RC-2026-17", *DAY])
    assert result.exit_code == 2, result.output
    line = one_line(result.output)
    assert "RC-2026-17.toml: campaign configuration not found" in line
    assert f"campaigns configured: {CAMPAIGN}" in line
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output + terminal.getvalue()
    assert not workspace.paths.database.exists()  # refused before any data is touched


def test_compensate_and_reconcile_for_an_unknown_campaign_exit_2(workspace: Workspace):
    for flow in ("compensate", "reconcile"):
        result = runner.invoke(app, ["run", flow, "-c", "NOPE", *DAY])
        assert result.exit_code == 2, result.output
        assert "NOPE.toml: campaign configuration not found" in one_line(result.output)


def corrupt(database: Path) -> None:
    database.parent.mkdir(parents=True, exist_ok=True)
    database.write_bytes(b"not a database\n" * 4096)


def test_a_corrupt_database_is_named_with_recall_restore_and_exits_1(
    workspace: Workspace, terminal: io.StringIO
):
    corrupt(workspace.paths.database)
    before = workspace.paths.database.read_bytes()
    for args in (["status", "-c", CAMPAIGN], ["run", "intake", "-c", CAMPAIGN, *DAY]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        line = one_line(result.output)
        assert f"{workspace.paths.database}: cannot be read as a recall database" in line
        assert "recall restore --from" in line
        assert "Traceback" in log_named(line).read_text(encoding="utf-8")
        assert "Traceback" not in result.output + terminal.getvalue()
    assert workspace.paths.database.read_bytes() == before  # nothing changed on refusal


def test_a_truncated_database_is_named_with_recall_restore(workspace: Workspace):
    workspace.write_csv("a.csv", [row()])
    workspace.intake()
    data = workspace.paths.database.read_bytes()
    workspace.paths.database.write_bytes(data[: len(data) // 2])
    result = runner.invoke(app, ["status", "-c", CAMPAIGN])
    assert result.exit_code == 1, result.output
    line = one_line(result.output)
    assert "cannot be read as a recall database" in line and "recall restore --from" in line


def failing_offers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Making offers raises a constraint error, as an unforeseen fault would."""
    import duckdb

    from flows.shared import db

    real_run = db.run

    def failing(con, name, **params):  # type: ignore[no-untyped-def]
        if name == "compensate/offers":
            raise duckdb.ConstraintException("NOT NULL constraint failed: offers.adjustment")
        return real_run(con, name, **params)

    monkeypatch.setattr(db, "run", failing)


def test_an_unexpected_error_in_a_flow_is_one_line_naming_its_log_and_exits_1(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, terminal: io.StringIO
):
    failing_offers(monkeypatch)
    workspace.write_csv("a.csv", [row()])
    workspace.intake()
    result = runner.invoke(app, ["run", "compensate", "-c", CAMPAIGN, *DAY])
    assert result.exit_code == 1, result.output
    line = one_line(result.output)
    assert "NOT NULL constraint failed: offers.adjustment" in line
    log = log_named(line).read_text(encoding="utf-8")
    assert "Traceback" in log and "ConstraintException" in log
    seen = result.output + terminal.getvalue()
    assert "Traceback" not in seen and 'File "' not in seen
    assert "(traceback in " in terminal.getvalue()  # Prefect's log of it: one line each


def test_an_unexpected_error_in_a_nightly_step_names_its_log_and_exits_1(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, terminal: io.StringIO
):
    failing_offers(monkeypatch)
    workspace.write_csv("a.csv", [row()])
    result = runner.invoke(app, ["run", "nightly", "-c", CAMPAIGN, *DAY])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "compensate: ConstraintException: NOT NULL constraint failed" in text
    assert "Traceback" in log_named(text).read_text(encoding="utf-8")
    seen = result.output + terminal.getvalue()
    assert "Traceback" not in seen and 'File "' not in seen
    assert "(traceback in " in terminal.getvalue()  # Prefect's log of it: one line each


def test_a_corrupt_database_in_a_command_of_its_own_process_is_one_line_too(tmp_path: Path):
    from prefect.settings import PREFECT_API_URL

    from flows.shared.settings import SHIPPED_CONFIG_DIR

    home = tmp_path / "home"
    corrupt(home / "recall.duckdb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECALL_")}
    env |= {
        "RECALL_HOME": str(home),
        "RECALL_CONFIG_DIR": str(SHIPPED_CONFIG_DIR),
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
    }
    for args in (["status", "-c", CAMPAIGN], ["run", "nightly", "-c", CAMPAIGN, *DAY]):
        done = subprocess.run(
            [*RECALL, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 1, done.stdout + done.stderr
        line = one_line(done.stderr)
        assert "cannot be read as a recall database" in line and "recall restore --from" in line
        assert "Traceback" in log_named(line).read_text(encoding="utf-8")
        assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr


def test_an_expected_failure_is_its_one_line_with_no_log_file(
    workspace: Workspace, terminal: io.StringIO
):
    workspace.configure('policy = "prorate"', 'policy = "halt"')
    workspace.configure('reserve = "2500000.00"', 'reserve = "10.00"')
    workspace.write_csv("a.csv", [row()])
    workspace.intake()
    result = runner.invoke(app, ["run", "compensate", "-c", CAMPAIGN, *DAY])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "shortfall of 50.00" in " ".join(result.output.split())
    assert "unexpected" not in result.output
    assert not (workspace.paths.home / "logs").exists()
    assert "BudgetHalt" not in terminal.getvalue()  # said once, by the command's own line
