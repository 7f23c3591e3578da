"""Run records and the as-of guards (SPEC §8): a run may not go back before the campaign's
latest run or its announcement, nor more than a day ahead, unless the operator says so."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from flows.shared.runs import AsOfRefused, check_as_of
from tests.conftest import AS_OF, CAMPAIGN, Workspace, row

ANNOUNCED = date(2026, 9, 1)
TODAY = date(2026, 12, 1)


def test_as_of_earlier_than_the_latest_run_is_refused_naming_requeue_and_allow_backdate():
    with pytest.raises(AsOfRefused) as refused:
        check_as_of(CAMPAIGN, date(2026, 9, 20), ANNOUNCED, date(2026, 10, 15), TODAY)
    message = str(refused.value)
    assert "2026-09-20" in message and "2026-10-15" in message
    assert "recall requeue" in message and "--allow-backdate" in message
    assert "\n" not in message  # one line
    check_as_of(CAMPAIGN, date(2026, 9, 20), ANNOUNCED, date(2026, 10, 15), TODAY, backdate=True)
    check_as_of(CAMPAIGN, date(2026, 10, 15), ANNOUNCED, date(2026, 10, 15), TODAY)  # same day


def test_as_of_before_announced_on_is_refused_unless_backdating_is_allowed():
    with pytest.raises(AsOfRefused, match=r"before RC-2026-017 was announced.*--allow-backdate"):
        check_as_of(CAMPAIGN, date(2026, 8, 31), ANNOUNCED, None, TODAY)
    check_as_of(CAMPAIGN, date(2026, 8, 31), ANNOUNCED, None, TODAY, backdate=True)
    check_as_of(CAMPAIGN, ANNOUNCED, ANNOUNCED, None, TODAY)


def test_as_of_more_than_a_day_ahead_is_refused_unless_the_future_is_allowed():
    check_as_of(CAMPAIGN, TODAY + timedelta(days=1), ANNOUNCED, None, TODAY)  # time zones
    with pytest.raises(AsOfRefused, match=r"2026-12-03.*after today.*--allow-future"):
        check_as_of(CAMPAIGN, TODAY + timedelta(days=2), ANNOUNCED, None, TODAY)
    check_as_of(CAMPAIGN, TODAY + timedelta(days=2), ANNOUNCED, None, TODAY, future=True)
    with pytest.raises(AsOfRefused, match="--allow-backdate"):  # one allowance is not the other
        check_as_of(CAMPAIGN, date(2026, 8, 1), ANNOUNCED, None, TODAY, future=True)


def test_a_flow_run_earlier_than_the_latest_run_is_refused_before_touching_data(
    workspace: Workspace,
):
    from flows.compensate.flow import compensate
    from flows.intake.flow import intake

    workspace.write_csv("a.csv", [row()])
    workspace.intake()
    workspace.write_csv("b.csv", [row(source_record_id="2", serial_no="K3A000501")])
    runs = workspace.query("select * from runs")
    with pytest.raises(AsOfRefused, match="latest run"):
        intake(CAMPAIGN, AS_OF - timedelta(days=1))
    with pytest.raises(AsOfRefused, match="latest run"):
        compensate(CAMPAIGN, AS_OF - timedelta(days=1))
    assert workspace.query("select * from runs") == runs  # not even a failed run recorded
    assert workspace.query("select count(*) from claims") == [(1,)]  # b.csv left waiting
    summary = intake(CAMPAIGN, AS_OF - timedelta(days=1), allow_backdate=True)
    assert [f.status for f in summary.files] == ["skipped", "loaded"]


def test_the_nightly_refuses_a_backdated_run_before_its_first_step(workspace: Workspace):
    from flows.nightly import nightly

    workspace.write_csv("a.csv", [row()])
    workspace.intake()
    runs = workspace.query("select * from runs")
    with pytest.raises(AsOfRefused):
        nightly(CAMPAIGN, AS_OF - timedelta(days=1))
    assert workspace.query("select * from runs") == runs
    steps = nightly(CAMPAIGN, AS_OF - timedelta(days=1), allow_backdate=True).steps
    assert [s["step"] for s in steps] == [
        "intake",
        "compensate",
        "letters",
        "reconcile",
        "report",
        "backup",
    ]
