"""The `recall` command line: options, exit codes, and the README documenting every command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from flows.cli.main import app
from tests.conftest import CAMPAIGN, Workspace, row

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def commands() -> list[str]:
    """Every leaf command as typed, e.g. 'run intake'."""
    import typer.main

    group = typer.main.get_command(app)
    found: list[str] = []

    def walk(command, prefix: str) -> None:  # type: ignore[no-untyped-def]
        subcommands = getattr(command, "commands", None)
        if not subcommands:
            found.append(prefix.strip())
            return
        for name, sub in subcommands.items():
            walk(sub, f"{prefix} {name}")

    walk(group, "")
    return sorted(found)


def test_every_command_is_in_the_readme_with_its_help():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert commands()  # the walk found something
    for command in commands():
        assert f"recall {command}" in readme, command
        result = runner.invoke(app, [*command.split(), "--help"])
        assert result.exit_code == 0
        summary = re.sub(r"\s+", " ", result.output)
        first_doc_line = summary.split("Options")[0]
        assert len(first_doc_line) > 20, command


def test_bad_config_exits_2_naming_the_key(workspace: Workspace):
    path = workspace.paths.campaign_file(CAMPAIGN)
    path.write_text(
        path.read_text(encoding="utf-8").replace('"0.15"', '"1.5"', 1), encoding="utf-8"
    )
    workspace.write_csv("a.csv", [row()])
    result = runner.invoke(app, ["run", "intake", "--campaign", CAMPAIGN, "--as-of", "2026-10-15"])
    assert result.exit_code == 2
    assert "tiers[0].goodwill_pct" in result.output
    assert not workspace.paths.database.exists()  # refused before any data is touched


def test_unknown_campaign_exits_2(workspace: Workspace):
    result = runner.invoke(app, ["run", "intake", "--campaign", "NOPE", "--as-of", "2026-10-15"])
    assert result.exit_code == 2 and "not found" in result.output
    out = workspace.paths.home / "claims.csv"
    result = runner.invoke(app, ["export", "claims", "--campaign", "NOPE", "--out", str(out)])
    assert result.exit_code == 2 and "not found" in result.output and not out.exists()


def test_status_and_export_in_a_home_where_nothing_ran_exit_2(workspace: Workspace):
    out = workspace.paths.home / "claims.csv"
    for args in (["status"], ["export", "claims", "--out", str(out)]):
        result = runner.invoke(app, [*args, "-c", CAMPAIGN])
        assert result.exit_code == 2, result.output
        assert "no recall database here" in result.output and "--home" in result.output
    assert not workspace.paths.database.exists() and not out.exists()


def test_home_option_works_from_any_directory(tmp_path: Path):
    home, config = tmp_path / "data", tmp_path / "cfg"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flows.cli.main",
            "--home",
            str(home),
            "--config-dir",
            str(config),
            "demo",
            "--no-run",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (home / "inbox" / CAMPAIGN / "lists").iterdir()) == [
        "jd_2026-10-01.csv",
        "portal_2026-10-14.csv",
        "suning_2026-10-08.xlsx",
    ]
    assert (config / "campaigns" / f"{CAMPAIGN}.toml").is_file()


def test_budget_halt_exits_1_naming_the_shortfall(workspace: Workspace):
    workspace.configure('policy = "prorate"', 'policy = "halt"')
    workspace.configure('reserve = "2500000.00"', 'reserve = "10.00"')
    workspace.write_csv("a.csv", [row()])
    assert (
        runner.invoke(app, ["run", "intake", "-c", CAMPAIGN, "--as-of", "2026-10-15"]).exit_code
        == 0
    )
    result = runner.invoke(app, ["run", "compensate", "-c", CAMPAIGN, "--as-of", "2026-10-15"])
    assert result.exit_code == 1
    assert "shortfall of 50.00" in " ".join(result.output.split())


def test_reserve_add_records_a_top_up(workspace: Workspace):
    args = ["reserve", "add", "-c", CAMPAIGN, "--amount", "1,000.50", "--note", "board"]
    assert runner.invoke(app, args).exit_code == 2  # commas are not a plain amount
    args[5] = "1000.50"
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert workspace.query("select entry_no, amount::varchar, note from reserve_ledger") == [
        (1, "1000.50", "board")
    ]


def test_expected_failures_are_logged_without_a_traceback():
    import logging

    from flows.cli.failures import NoTracebackForExpectedFailures
    from flows.compensate.flow import BudgetHalt

    def record(exc: Exception) -> logging.LogRecord:
        try:
            raise exc
        except Exception:
            return logging.LogRecord(
                "prefect.flow_runs",
                logging.ERROR,
                __file__,
                1,
                "Encountered exception",
                None,
                sys.exc_info(),
            )

    halt, crash = record(BudgetHalt("shortfall")), record(ZeroDivisionError())
    assert NoTracebackForExpectedFailures().filter(halt) and halt.exc_info is None
    assert NoTracebackForExpectedFailures().filter(crash) and crash.exc_info is not None


def test_nightly_for_all_campaigns_runs_each_and_reports_the_failed_one(workspace: Workspace):
    shipped = workspace.paths.campaign_file(CAMPAIGN)
    second = shipped.with_name("RC-2026-018.toml")
    second.write_text(
        shipped.read_text(encoding="utf-8").replace('id = "RC-2026-017"', 'id = "RC-2026-018"'),
        encoding="utf-8",
    )
    workspace.write_csv("a.csv", [row(source_record_id="1")])
    workspace.configure('reserve = "2500000.00"', 'reserve = "1.00"')  # RC-2026-017 halts
    workspace.configure('policy = "prorate"', 'policy = "halt"')
    result = runner.invoke(app, ["run", "nightly", "-c", "all", "--as-of", "2026-10-15"])
    assert result.exit_code == 1
    assert "Nightly RC-2026-017" in result.output and "Nightly RC-2026-018" in result.output
    assert "the nightly run failed for RC-2026-017" in " ".join(result.output.split())
    runs = workspace.query("select campaign, flow, status from runs order by campaign, started_at")
    assert ("RC-2026-017", "compensate", "failed") in runs
    assert ("RC-2026-017", "letters", "completed") not in runs  # it needs compensate
    assert ("RC-2026-017", "reconcile", "completed") in runs  # it does not
    assert ("RC-2026-017", "report", "completed") in runs  # nor does the effect report
    assert [r[1] for r in runs if r[0] == "RC-2026-018"] == [
        "intake",
        "compensate",
        "letters",
        "reconcile",
        "report",
    ]


def test_conflicting_runner_and_partition_options_exit_2(workspace: Workspace):
    result = runner.invoke(
        app, ["run", "letters", "-c", CAMPAIGN, "--dask-address", "tcp://10.0.0.5:8786"]
    )
    assert result.exit_code == 2
    assert "--dask-address needs --runner dask" in result.output
    result = runner.invoke(app, ["run", "nightly", "-c", CAMPAIGN, "--runner", "threads"])
    assert result.exit_code == 2
    args = ["run", "letters", "-c", CAMPAIGN, "--runner", "dask", "--partitions", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "give no --runner" in result.output
    result = runner.invoke(app, ["run", "compensate", "-c", CAMPAIGN, "--work-pool", "p"])
    assert result.exit_code == 2 and "give a partition count or region" in result.output


def test_a_run_earlier_than_the_latest_exits_2_in_one_line_and_changes_nothing(
    workspace: Workspace,
):
    workspace.write_csv("a.csv", [row()])
    intake = ["run", "intake", "-c", CAMPAIGN]
    assert runner.invoke(app, [*intake, "--as-of", "2026-10-15"]).exit_code == 0
    workspace.write_csv("b.csv", [row(source_record_id="2", serial_no="K3A000501")])
    runs = workspace.query("select * from runs")
    result = runner.invoke(app, [*intake, "--as-of", "2026-10-01"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "error: as-of 2026-10-01 is earlier than RC-2026-017's latest run" in said
    assert "recall requeue" in said and "--allow-backdate" in said
    assert workspace.query("select * from runs") == runs
    assert workspace.query("select count(*) from input_files") == [(1,)]
    result = runner.invoke(app, ["run", "nightly", "-c", CAMPAIGN, "--as-of", "2026-10-01"])
    assert result.exit_code == 2 and "latest run" in result.output
    assert workspace.query("select * from runs") == runs
    result = runner.invoke(app, [*intake, "--as-of", "2026-10-01", "--allow-backdate"])
    assert result.exit_code == 0, result.output
    assert workspace.query("select count(*) from input_files") == [(2,)]


def test_a_run_before_the_announcement_or_days_ahead_exits_2_unless_allowed(
    workspace: Workspace,
):
    compensate = ["run", "compensate", "-c", CAMPAIGN, "--as-of"]
    result = runner.invoke(app, [*compensate, "2026-08-31"])
    assert result.exit_code == 2 and "before RC-2026-017 was announced" in result.output
    result = runner.invoke(app, [*compensate, "2099-01-01"])
    assert result.exit_code == 2 and "--allow-future" in result.output
    assert not workspace.query("select * from runs")
    assert runner.invoke(app, [*compensate, "2099-01-01", "--allow-future"]).exit_code == 0


def test_requeue_reads_quarantined_rows_again_as_of_the_right_day(workspace: Workspace):
    workspace.write_csv("a.csv", [row(claim_date="2026-09-10")])
    assert (
        runner.invoke(app, ["run", "intake", "-c", CAMPAIGN, "--as-of", "2026-09-01"]).exit_code
        == 0
    )
    assert workspace.claims()["1"][:2] == ("quarantined", "future_date:claim_date")
    requeue = ["requeue", "-c", CAMPAIGN, "--as-of", "2026-10-15"]
    result = runner.invoke(app, [*requeue, "--reason", "future_date:claim_date", "--file", "a.csv"])
    assert result.exit_code == 0, result.output
    assert "1 row(s) read again: 1 now claims, 0 still quarantined" in " ".join(
        result.output.split()
    )
    assert workspace.claims()["1"][0] == "eligible"
    result = runner.invoke(app, [*requeue, "--reason", "future_date:claimdate"])
    assert result.exit_code == 2 and "--reason" in result.output
    result = runner.invoke(app, ["requeue", "-c", CAMPAIGN, "--as-of", "2026-09-30"])
    assert result.exit_code == 2 and "--allow-backdate" in result.output


def test_two_maximum_top_ups_keep_status_and_compensate_working(workspace: Workspace):
    top_up = ["reserve", "add", "-c", CAMPAIGN, "--note", "board", "--amount"]
    beyond = runner.invoke(app, [*top_up, "1000000000000.01"])
    assert beyond.exit_code == 2 and "1,000,000,000,000.00" in beyond.output
    for _ in range(2):
        result = runner.invoke(app, [*top_up, "1000000000000.00"])
        assert result.exit_code == 0, result.output
    status = runner.invoke(app, ["status", "-c", CAMPAIGN])
    assert status.exit_code == 0, status.output
    assert "2,000,002,500,000.00" in status.output  # reserve + both top-ups
    workspace.write_csv("a.csv", [row()])
    for flow in ("intake", "compensate"):
        result = runner.invoke(app, ["run", flow, "-c", CAMPAIGN, "--as-of", "2026-10-15"])
        assert result.exit_code == 0, result.output


def test_negative_top_up_below_committed_is_refused_in_one_line(workspace: Workspace):
    workspace.configure('reserve = "2500000.00"', 'reserve = "100.00"')
    workspace.write_csv("a.csv", [row()])  # 60.00 offered (50.00 + 20 % bonus)
    for flow in ("intake", "compensate"):
        runner.invoke(app, ["run", flow, "-c", CAMPAIGN, "--as-of", "2026-10-15"])
    correction = ["reserve", "add", "-c", CAMPAIGN, "--note", "typo", "--amount", "-40.01"]
    result = runner.invoke(app, correction)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "committed 60.00" in result.output
    assert workspace.query("select count(*) from reserve_ledger") == [(0,)]
    correction[-1] = "-40.00"  # available = committed: allowed
    assert runner.invoke(app, correction).exit_code == 0
    assert runner.invoke(app, [*correction[:-1], "0.00"]).exit_code == 2
