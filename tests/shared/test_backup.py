"""Backups, restore, the instruction-file guard and the owner-only data home (SPEC §9): a lost
or older database never pays twice and never deletes letters already written."""

from __future__ import annotations

import fcntl
import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from tests.conftest import CAMPAIGN, Workspace, row

runner = CliRunner()
NIGHT = ["run", "nightly", "-c", CAMPAIGN, "--as-of", "2026-10-15"]


def small_inbox(workspace: Workspace) -> None:
    """Three claims: two offered (one by email, one by post), one ineligible (rejection)."""
    workspace.write_csv(
        "a.csv",
        [
            row(source_record_id="1"),
            row(source_record_id="2", serial_no="K3A000501", email="", postal_address="1 Road"),
            row(source_record_id="3", sku="K2-220", serial_no="K3A000502"),
        ],
    )


def files_under(folder: Path) -> dict[str, str]:
    """Every file below the folder → the sha256 of its content."""
    if not folder.is_dir():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def out(workspace: Workspace, kind: str) -> Path:
    return workspace.paths.out(CAMPAIGN, kind)


def lose_database(workspace: Workspace) -> None:
    database = workspace.paths.database
    database.unlink()
    database.with_name(database.name + ".wal").unlink(missing_ok=True)


def backups(workspace: Workspace) -> list[Path]:
    folder = workspace.paths.home / "backups"
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_a_lost_database_stops_the_night_before_instructions_naming_recall_restore(
    workspace: Workspace,
):
    small_inbox(workspace)
    assert runner.invoke(app, NIGHT).exit_code == 0
    instructions, letters = files_under(out(workspace, "instructions")), out(workspace, "letters")
    written = files_under(letters)
    assert len(instructions) == 1 and any(name.endswith(".jsonl") for name in written)
    lose_database(workspace)

    result = runner.invoke(app, NIGHT)

    assert result.exit_code == 1, result.output
    said = one_line(result.output)
    assert "already instructed" in said and "recall restore" in said
    assert files_under(out(workspace, "instructions")) == instructions  # no second file
    assert files_under(letters) == written  # every letter kept, none added
    assert workspace.query("select count(*) from payment_instructions") == [(0,)]
    assert len(backups(workspace)) == 1  # the lost database is not backed up over good ones


def test_letters_the_database_does_not_know_are_never_deleted(workspace: Workspace):
    """A lost database, then intake and letters alone (no compensate to stop them): the
    rejection letter written before is neither deleted nor written a second time."""
    small_inbox(workspace)
    assert runner.invoke(app, NIGHT).exit_code == 0
    letters = out(workspace, "letters")
    written = files_under(letters)
    lose_database(workspace)
    day = ["-c", CAMPAIGN, "--as-of", "2026-10-15"]
    assert runner.invoke(app, ["run", "intake", *day]).exit_code == 0

    result = runner.invoke(app, ["run", "letters", *day])

    assert result.exit_code == 1, result.output
    assert "recall restore" in one_line(result.output)
    assert files_under(letters) == written


def test_each_nightly_leaves_a_complete_backup(workspace: Workspace):
    small_inbox(workspace)
    assert runner.invoke(app, NIGHT).exit_code == 0
    [backup] = backups(workspace)
    copy = duckdb.connect(str(backup / "recall.duckdb"), read_only=True)
    try:
        flows = copy.execute("select flow from runs order by started_at").fetchall()
        refs = copy.execute("select count(*) from payment_instructions").fetchall()
    finally:
        copy.close()
    assert [f for (f,) in flows] == ["intake", "compensate", "letters", "reconcile", "report"]
    assert refs == [(2,)]
    assert not list((workspace.paths.home / "backups").glob(".*"))  # no temporary left


def test_recall_backup_prints_its_path_and_keeps_the_last_recall_backups_keep(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    small_inbox(workspace)
    assert runner.invoke(app, NIGHT).exit_code == 0
    monkeypatch.setenv("RECALL_BACKUPS_KEEP", "2")
    made = []
    for _ in range(3):
        result = runner.invoke(app, ["backup"])
        assert result.exit_code == 0, result.output
        made.append(Path(result.output.split()[-1]))
    assert backups(workspace) == made[1:]
    assert all((b / "recall.duckdb").is_file() for b in made[1:])


def test_recall_backups_keep_must_be_a_whole_number_of_at_least_one(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("RECALL_BACKUPS_KEEP", "none")
    result = runner.invoke(app, ["backup"])
    assert result.exit_code == 2
    assert "RECALL_BACKUPS_KEEP" in result.output
    assert not (workspace.paths.home / "backups").exists()


def test_restore_brings_back_the_night_and_its_rerun_makes_no_second_instruction_or_letter(
    workspace: Workspace,
):
    small_inbox(workspace)
    assert runner.invoke(app, NIGHT).exit_code == 0
    [backup] = backups(workspace)
    instructions, letters = files_under(out(workspace, "instructions")), out(workspace, "letters")
    written = files_under(letters)
    lose_database(workspace)
    assert runner.invoke(app, NIGHT).exit_code == 1  # the guard: a new, empty database

    result = runner.invoke(app, ["restore", "--from", str(backup)])

    assert result.exit_code == 0, result.output
    said = one_line(result.output)
    assert "2026-10-15" in said and "report" in said  # the backup's latest run and as-of
    replaced = list((workspace.paths.home / "replaced").rglob("recall.duckdb"))
    assert len(replaced) == 1  # the database it replaced is kept aside, not destroyed
    assert runner.invoke(app, NIGHT).exit_code == 0
    assert files_under(out(workspace, "instructions")) == instructions
    assert files_under(letters) == written
    assert workspace.query("select count(*) from payment_instructions") == [(2,)]


def test_restore_names_reserve_entries_made_after_the_backup(workspace: Workspace):
    """A top-up recorded after the last backup is not in it, and no night records it again:
    the restore names it, so finance can record it again."""
    small_inbox(workspace)
    assert runner.invoke(app, NIGHT).exit_code == 0
    [backup] = backups(workspace)
    top_up = ["reserve", "add", "-c", CAMPAIGN, "--amount", "1234.50", "--note", "board 7"]
    assert runner.invoke(app, top_up).exit_code == 0

    result = runner.invoke(app, ["restore", "--from", str(backup)])

    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert f"warning: {CAMPAIGN} reserve entry 1 of" in said
    assert "(1,234.50, 'board 7') was made after this backup" in said
    assert "recall reserve add" in said
    assert workspace.query("select count(*) from reserve_ledger") == [(0,)]


def test_restore_refuses_while_a_run_holds_the_data_home(workspace: Workspace):
    small_inbox(workspace)
    assert runner.invoke(app, NIGHT).exit_code == 0
    [backup] = backups(workspace)
    before = files_under(workspace.paths.home)
    with (workspace.paths.home / "recall.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        holder = subprocess.run(  # the lock is held by another process, as a run would
            [sys.executable, "-m", "flows.cli.main", "restore", "--from", str(backup)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert holder.returncode == 1, holder.stdout + holder.stderr
    assert "nothing was changed" in one_line(holder.stderr)
    assert files_under(workspace.paths.home) == before


def test_restore_refuses_a_folder_that_is_not_a_backup(workspace: Workspace, tmp_path: Path):
    small_inbox(workspace)
    assert runner.invoke(app, NIGHT).exit_code == 0
    before = files_under(workspace.paths.home)
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["restore", "--from", str(tmp_path / "empty")])
    assert result.exit_code == 2
    assert "not a backup" in one_line(result.output)
    assert files_under(workspace.paths.home) == before


def test_commands_that_run_no_flow_do_not_import_prefect(workspace: Workspace, tmp_path):
    """SPEC §8: status, export, reserve, backup and restore import no Prefect."""
    small_inbox(workspace)
    assert runner.invoke(app, NIGHT).exit_code == 0
    [backup] = backups(workspace)
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from flows.cli.main import app\n"
        f"c = ['--campaign', '{CAMPAIGN}']\n"
        "for args in (['status', *c], ['export', 'claims', *c, '--out', sys.argv[2]],\n"
        "             ['reserve', 'add', *c, '--amount', '1.00', '--note', 'n'],\n"
        "             ['backup'], ['restore', '--from', sys.argv[1]]):\n"
        "    result = CliRunner().invoke(app, args)\n"
        "    assert result.exit_code == 0, (args, result.output)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'prefect'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(backup), str(tmp_path / "claims.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_after_a_nightly_nothing_under_the_data_home_is_readable_by_group_or_others(
    workspace: Workspace,
):
    previous = os.umask(0o022)  # a usual login's: files the operator makes are world-readable
    try:
        small_inbox(workspace)  # the operator's own file and folders, as they made them
    finally:
        os.umask(previous)
    placed = workspace.lists / "a.csv"
    made_by_operator = {placed} | {
        folder for folder in placed.parents if workspace.paths.home in folder.parents
    }
    os.umask(0o022)  # the command sets its own
    assert runner.invoke(app, NIGHT).exit_code == 0
    home = workspace.paths.home
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    open_to_others = [
        f"{p.relative_to(home)} {stat.S_IMODE(p.stat().st_mode):o}"
        for p in home.rglob("*")
        if p not in made_by_operator and stat.S_IMODE(p.stat().st_mode) & 0o077
    ]
    assert open_to_others == []
    archived = [p for p in (home / "archive").rglob("*") if p.is_file()]
    assert archived and all(stat.S_IMODE(p.stat().st_mode) == 0o400 for p in archived)


def test_an_older_home_is_made_owner_only_when_opened(workspace: Workspace):
    small_inbox(workspace)
    assert runner.invoke(app, NIGHT).exit_code == 0
    home, database = workspace.paths.home, workspace.paths.database
    home.chmod(0o755)
    database.chmod(0o644)  # as an older version left them
    assert runner.invoke(app, ["status", "-c", CAMPAIGN]).exit_code == 0
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_an_older_database_restored_stops_the_night_naming_the_latest_backup(
    workspace: Workspace,
):
    small_inbox(workspace)
    assert runner.invoke(app, NIGHT).exit_code == 0
    workspace.write_csv("b.csv", [row(source_record_id="4", serial_no="K3A000504")])
    second = ["run", "nightly", "-c", CAMPAIGN, "--as-of", "2026-10-16"]
    assert runner.invoke(app, second).exit_code == 0
    first, latest = backups(workspace)
    instructions, written = (
        files_under(out(workspace, "instructions")),
        files_under(out(workspace, "letters")),
    )
    assert len(instructions) == 2
    assert runner.invoke(app, ["restore", "--from", str(first)]).exit_code == 0

    result = runner.invoke(app, second)

    assert result.exit_code == 1, result.output
    said = one_line(result.output)
    assert "already instructed" in said and f"recall restore --from {latest}" in said
    assert files_under(out(workspace, "instructions")) == instructions
    assert files_under(out(workspace, "letters")) == written
    assert runner.invoke(app, ["restore", "--from", str(latest)]).exit_code == 0
    assert runner.invoke(app, second).exit_code == 0
    assert files_under(out(workspace, "instructions")) == instructions
    assert files_under(out(workspace, "letters")) == written


def test_an_instruction_file_with_a_ref_more_than_its_run_made_stops_the_run(
    workspace: Workspace,
):
    """A file is skipped by the guard only when its run and line count match the database's."""
    small_inbox(workspace)
    assert runner.invoke(app, NIGHT).exit_code == 0
    [instruction_file] = out(workspace, "instructions").glob("*.csv")
    with instruction_file.open("a", encoding="utf-8") as handle:
        handle.write("PR-0000000000000000,X-1,Someone,x@example.cn,10.00,CNY\n")
    workspace.write_csv("b.csv", [row(source_record_id="4", serial_no="K3A000504")])
    result = runner.invoke(app, ["run", "nightly", "-c", CAMPAIGN, "--as-of", "2026-10-16"])
    assert result.exit_code == 1, result.output
    assert "PR-0000000000000000" in one_line(result.output)
