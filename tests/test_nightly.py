"""Nightly flow (SPEC §9): a failed step stops only the steps that depend on it.

compensate needs intake, letters need compensate; reconcile needs only intake (it reconciles
payout files against the instructions already written), so an unapproved template or a budget
halt still leaves finance its report. The night still fails, naming the failed step."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from flows.shared.settings import TEMPLATES_DIR
from tests.conftest import AS_OF, CAMPAIGN, Workspace, row

runner = CliRunner()


def unapproved_template(space: Workspace, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An edited copy of the shipped templates: the edited one no longer matches its approval."""
    folder = space.paths.home / "templates"
    shutil.copytree(TEMPLATES_DIR, folder)
    monkeypatch.setenv("RECALL_TEMPLATES_DIR", str(folder))
    edited = folder / "letters" / "en" / "offer.txt.j2"
    edited.write_text(edited.read_text(encoding="utf-8") + "Edited.\n", encoding="utf-8")
    return edited


def outcomes(summary) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {s["step"]: s["outcome"] for s in summary.steps}


def night(space: Workspace):  # type: ignore[no-untyped-def]
    """The nightly flow's summary, whether the night failed or not."""
    from flows.nightly import NightFailed, nightly

    try:
        return nightly(CAMPAIGN, AS_OF)
    except NightFailed as exc:
        return exc.summary


def test_an_unapproved_template_stops_the_letters_not_the_reconciliation(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    edited = unapproved_template(workspace, monkeypatch)
    workspace.write_csv("a.csv", [row()])
    summary = night(workspace)
    steps = outcomes(summary)
    assert steps["compensate"].startswith("1 offers")
    assert steps["letters"].startswith("failed:")
    assert str(edited) in steps["letters"]
    assert "recall templates approve" in steps["letters"]
    assert "failed" not in steps["reconcile"] and "skipped" not in steps["reconcile"]
    report = workspace.paths.out(CAMPAIGN, "reports") / AS_OF.isoformat()
    assert (report / "reconciliation.html").is_file()  # finance has its report
    assert summary.failed and summary.failed.startswith("letters:")
    runs = workspace.query("select flow, status from runs order by started_at")
    assert runs == [
        ("intake", "completed"),
        ("compensate", "completed"),
        ("letters", "failed"),
        ("reconcile", "completed"),
        ("report", "completed"),
    ]


def test_the_night_with_an_unapproved_template_exits_1_naming_the_step_and_the_command(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    unapproved_template(workspace, monkeypatch)
    workspace.write_csv("a.csv", [row()])
    result = runner.invoke(app, ["run", "nightly", "-c", CAMPAIGN, "--as-of", str(AS_OF)])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert f"error: {CAMPAIGN}: letters:" in text
    assert "recall templates approve" in text
    assert "finance reports:" in text  # reconcile ran and printed its report folder
    assert "unexpected" not in text and text.count("error:") == 1


def test_with_no_letter_due_an_unapproved_template_does_not_fail_the_night(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    edited = unapproved_template(workspace, monkeypatch)
    from flows.nightly import nightly

    summary = nightly(CAMPAIGN, AS_OF)  # no list, no claim, no letter due: nothing to refuse
    assert summary.failed is None
    letters = outcomes(summary)["letters"]
    assert letters.startswith("0 letters")
    assert str(edited) in letters and "recall templates approve" in letters  # still said


def test_a_budget_halt_skips_the_letters_and_still_reconciles(workspace: Workspace):
    workspace.configure('policy = "prorate"', 'policy = "halt"')
    workspace.configure('reserve = "2500000.00"', 'reserve = "10.00"')
    workspace.write_csv("a.csv", [row()])
    summary = night(workspace)
    steps = outcomes(summary)
    assert steps["compensate"].startswith("failed:") and "shortfall" in steps["compensate"]
    assert steps["letters"] == "skipped: compensate failed"
    assert "failed" not in steps["reconcile"] and "skipped" not in steps["reconcile"]
    assert summary.failed and summary.failed.startswith("compensate:")


def test_a_failed_intake_skips_every_later_step(workspace: Workspace):
    workspace.paths.database.parent.mkdir(parents=True, exist_ok=True)
    workspace.paths.database.write_bytes(b"garbage" * 1000)
    summary = night(workspace)
    steps = outcomes(summary)
    assert steps["intake"].startswith("failed:")
    assert steps["compensate"] == "skipped: intake failed"
    assert steps["letters"] == "skipped: compensate failed"
    assert steps["reconcile"] == "skipped: intake failed"
    assert "skipped" in summary.markdown() and "intake" in (summary.failed or "")


def test_a_rejected_customer_list_is_named_in_the_nights_intake_outcome(workspace: Workspace):
    workspace.write_csv("a.csv", [row()])
    (workspace.lists / "queue.csv").write_text("claim_id,decision\nx,approve\n")  # wrong folder
    summary = night(workspace)
    assert outcomes(summary)["intake"].startswith("1 new files, 1 rejected (see lists/rejected/)")


def test_a_failed_reconcile_still_writes_the_effect_report(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
):
    from flows.reconcile import flow as reconcile_flow

    def broken(run):  # type: ignore[no-untyped-def]
        raise RuntimeError("the payout provider's file cannot be matched")

    monkeypatch.setattr(reconcile_flow, "match", broken)
    workspace.write_csv("a.csv", [row()])
    summary = night(workspace)
    steps = outcomes(summary)
    assert steps["reconcile"].startswith("failed:")
    assert steps["report"].startswith("1 units registered, 0 remedied"), steps["report"]
    report = workspace.paths.out(CAMPAIGN, "reports") / AS_OF.isoformat()
    assert (report / "effect.html").is_file() and (report / "progress.csv").is_file()
    assert summary.failed and summary.failed.startswith("reconcile:")
