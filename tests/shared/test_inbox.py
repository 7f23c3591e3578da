"""Inbox files (SPEC §4): files still being written are left for a later run, and what is read
is the archived copy, whose bytes hash to its name, never the inbox file again."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import flows.shared.inbox
from flows.shared.files import sha256_file
from tests.conftest import CAMPAIGN, Workspace, row

SETTLE_ENV = "RECALL_INBOX_SETTLE_SECONDS"


def settled(path: Path) -> Path:
    """Date the file's last change two minutes back, as a file dropped a while ago."""
    past = time.time() - 120
    os.utime(path, (past, past))
    return path


def rows(*ids: str) -> list[dict[str, str]]:
    return [row(source_record_id=rid, serial_no=f"K3A{600 + n:06d}") for n, rid in enumerate(ids)]


def archived_files(space: Workspace) -> list[tuple[str, str]]:
    """(file name, status) of every input_files row, each archived copy hashing to its name."""
    found = space.query("select file_name, status, sha256, archived_path from input_files")
    for _, _, sha256, archived in found:
        assert sha256_file(Path(archived)) == sha256 and Path(archived).stem == sha256
    return sorted((name, status) for name, status, _, _ in found)


def test_a_file_still_being_written_is_left_for_a_later_run_then_loaded_once(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(SETTLE_ENV, "60")
    workspace.write_csv("a.csv", rows("1", "2"))  # the first half, just written
    first = workspace.intake()
    assert [(f.file_name, f.status) for f in first.files] == [("a.csv", "left")]
    assert "a.csv" in first.files[0].message and "60" in first.files[0].message
    assert workspace.claims() == {} and archived_files(workspace) == []

    settled(workspace.write_csv("a.csv", rows("1", "2", "3", "4")))  # the whole file, a while on
    second = workspace.intake()
    assert [(f.file_name, f.status, f.rows) for f in second.files] == [("a.csv", "loaded", 4)]
    assert workspace.query("select count(*) from claims") == [(4,)]
    assert archived_files(workspace) == [("a.csv", "loaded")]


@pytest.mark.parametrize("settle", ["0", "60"])
def test_temporary_and_hidden_names_are_left_and_named_in_the_summary(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, settle: str
):
    monkeypatch.setenv(SETTLE_ENV, settle)
    temporary = ["a.csv.part", "b.csv.tmp", "c.csv.crdownload", "~$d.xlsx", ".e.csv"]
    for name in temporary:
        settled(workspace.write_csv(name, rows(name)))
    settled(workspace.write_csv("f.csv", rows("F")))
    summary = workspace.intake()
    statuses = {f.file_name: f.status for f in summary.files}
    assert statuses == {**dict.fromkeys(temporary, "left"), "f.csv": "loaded"}
    for outcome in summary.files:
        if outcome.status == "left":
            assert outcome.message.startswith(f"{outcome.file_name}: ")
    assert sorted(workspace.claims()) == ["F"]
    assert not (workspace.lists / "rejected").exists()  # nothing half-written is rejected
    assert all((workspace.lists / name).exists() for name in temporary)


def test_a_settle_delay_that_is_not_whole_seconds_exits_2_naming_the_variable(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    from typer.testing import CliRunner

    from flows.cli.main import app

    monkeypatch.setenv(SETTLE_ENV, "a minute")
    settled(workspace.write_csv("a.csv", rows("1")))
    result = CliRunner().invoke(app, ["run", "intake", "-c", CAMPAIGN, "--as-of", "2026-10-15"])
    assert result.exit_code == 2, result.output
    assert f"{SETTLE_ENV}='a minute'" in result.output and "Traceback" not in result.output
    assert not workspace.paths.database.exists()  # refused before any data is touched
    with pytest.raises(Exception, match=SETTLE_ENV):  # the flow itself refuses it too
        workspace.intake()


def test_payout_and_review_files_still_being_written_are_left_too(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    from flows.reconcile.flow import reconcile
    from tests.reconcile.test_reconcile import ROUNDS, write_payouts

    monkeypatch.setenv(SETTLE_ENV, "60")
    write_payouts(workspace, "payouts_1.csv", [["PR-1", "T-1", "1.00", "CNY", "paid", "", ""]])
    summary = reconcile(CAMPAIGN, ROUNDS[0])
    assert [(f.file_name, f.status) for f in summary.files] == [("payouts_1.csv", "left")]
    reviews = workspace.paths.inbox(CAMPAIGN, "reviews")
    reviews.mkdir(parents=True)
    (reviews / "decisions.csv").write_text("claim_id,decision\nX-1,approve\n", encoding="utf-8")
    compensation = workspace.compensate(ROUNDS[0])  # runs go forward in time
    assert compensation.decisions == {"left_file": 1}
    assert archived_files(workspace) == []


def test_an_inbox_file_deleted_once_archived_loads_from_the_archived_copy(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    original = flows.shared.inbox.archive

    def archive_then_delete(path: Path, *args: object) -> object:
        copied = original(path, *args)  # type: ignore[arg-type]
        if path.name == "a.csv":
            path.unlink()  # the operator takes the file away while intake reads it
        return copied

    monkeypatch.setattr(flows.shared.inbox, "archive", archive_then_delete)
    workspace.write_csv("a.csv", rows("A1", "A2"))
    workspace.write_csv("b.csv", rows("B1"))
    summary = workspace.intake()
    assert [(f.file_name, f.status, f.rows) for f in summary.files] == [
        ("a.csv", "loaded", 2),
        ("b.csv", "loaded", 1),
    ]
    assert sorted(workspace.claims()) == ["A1", "A2", "B1"]
    assert archived_files(workspace) == [("a.csv", "loaded"), ("b.csv", "loaded")]


def test_an_inbox_file_replaced_once_archived_is_read_as_archived(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    original = flows.shared.inbox.archive

    def archive_then_replace(path: Path, *args: object) -> object:
        copied = original(path, *args)  # type: ignore[arg-type]
        if path.name == "a.csv":
            workspace.write_csv("a.csv", rows("X1", "X2", "X3"))  # a new file of the same name
        return copied

    monkeypatch.setattr(flows.shared.inbox, "archive", archive_then_replace)
    workspace.write_csv("a.csv", rows("A1"))
    summary = workspace.intake()
    assert [(f.file_name, f.status, f.rows) for f in summary.files] == [("a.csv", "loaded", 1)]
    assert sorted(workspace.claims()) == ["A1"]
    assert archived_files(workspace) == [("a.csv", "loaded")]


def test_an_inbox_file_replaced_once_archived_and_rejected_leaves_the_new_file_alone(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    original = flows.shared.inbox.archive

    def archive_then_replace(path: Path, *args: object) -> object:
        copied = original(path, *args)  # type: ignore[arg-type]
        workspace.write_csv("a.csv", rows("X1"))  # the corrected file, dropped meanwhile
        return copied

    monkeypatch.setattr(flows.shared.inbox, "archive", archive_then_replace)
    workspace.write_csv("a.csv", rows("A1"), header=[c for c in row() if c != "sku"])
    summary = workspace.intake()
    assert [(f.file_name, f.status) for f in summary.files] == [("a.csv", "rejected")]
    rejected = workspace.lists / "rejected"
    assert "sku" not in (rejected / "a.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "required column missing: sku" in (rejected / "a.csv.error.txt").read_text("utf-8")
    monkeypatch.setattr(flows.shared.inbox, "archive", original)
    assert [f.status for f in workspace.intake().files] == ["loaded"]  # the corrected one
    assert sorted(workspace.claims()) == ["X1"]


def test_an_inbox_file_gone_before_it_is_copied_gets_one_line_and_the_others_carry_on(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    original = flows.shared.inbox.sha256_file

    def hash_then_delete(path: Path) -> str:
        digest = original(path)
        if path.name == "a.csv":
            path.unlink()
        return digest

    monkeypatch.setattr(flows.shared.inbox, "sha256_file", hash_then_delete)
    workspace.write_csv("a.csv", rows("A1"))
    workspace.write_csv("b.csv", rows("B1"))
    summary = workspace.intake()
    outcome = {f.file_name: f for f in summary.files}
    assert (outcome["a.csv"].status, outcome["b.csv"].status) == ("failed", "loaded")
    assert outcome["a.csv"].message.startswith("a.csv: ")
    assert "\n" not in outcome["a.csv"].message and "no longer in the inbox" in (
        outcome["a.csv"].message
    )
    assert sorted(workspace.claims()) == ["B1"]
    assert archived_files(workspace) == [("b.csv", "loaded")]


def test_an_inbox_file_changing_while_it_is_copied_is_left_for_a_later_run(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    original = flows.shared.inbox.sha256_file

    def hash_then_append(path: Path) -> str:
        digest = original(path)
        if path.name == "a.csv":
            with path.open("a", encoding="utf-8") as handle:  # the writer goes on writing
                handle.write(",".join(rows("A1", "A2")[1].values()) + "\n")
        return digest

    monkeypatch.setattr(flows.shared.inbox, "sha256_file", hash_then_append)
    workspace.write_csv("a.csv", rows("A1"))
    summary = workspace.intake()
    assert [(f.file_name, f.status) for f in summary.files] == [("a.csv", "left")]
    assert "changed while" in summary.files[0].message
    assert workspace.claims() == {} and archived_files(workspace) == []
    assert not list(workspace.paths.archive.rglob("*.csv"))

    monkeypatch.setattr(flows.shared.inbox, "sha256_file", original)
    assert [f.status for f in workspace.intake().files] == ["loaded"]
    assert sorted(workspace.claims()) == ["A1", "A2"]
