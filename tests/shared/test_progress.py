"""Progress of long steps reaches a listener (the CLI's status line) and names no customer."""

from __future__ import annotations

from flows.shared import progress
from tests.conftest import AS_OF, CAMPAIGN, Workspace, row


def test_nightly_reports_each_step_and_letter_batches(workspace: Workspace):
    from flows.nightly import nightly

    workspace.configure("batch_size = 1000", "batch_size = 1")
    workspace.write_csv(
        "a.csv", [row(source_record_id="1"), row(source_record_id="2", serial_no="K3A000501")]
    )
    heard: list[str] = []
    stop = progress.listen(heard.append)
    try:
        nightly(CAMPAIGN, AS_OF)
    finally:
        stop()
    assert [m for m in heard if m.startswith("step ")] == [
        "step 1 of 5, intake",
        "step 2 of 5, compensate",
        "step 3 of 5, letters",
        "step 4 of 5, reconcile",
        "step 5 of 5, report",
    ]
    assert "intake: file 1 of 1" in heard
    assert "letters: batch 2 of 2 written (2 letters)" in heard
    assert not any("Li Wei" in m for m in heard)
    progress.report("after stop")  # no listener left: nothing happens
    assert "after stop" not in heard
