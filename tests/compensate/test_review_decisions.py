"""Review decisions (SPEC §5): which lines count as a decision, and what an invalid line does."""

from __future__ import annotations

import pytest

from tests.compensate.test_compensate import claim, decide, offers
from tests.conftest import CAMPAIGN, Workspace


def in_review(space: Workspace, *records: str) -> dict[str, str]:
    """Claims (price 1000.00, flag vip: 180.00 computed) routed to review; their claim ids."""
    space.write_csv("a.csv", [claim(r, n, flags="vip") for n, r in enumerate(records)])
    space.intake()
    space.compensate()
    return dict(space.query("select source_record_id, claim_id from claims"))


def outcomes(space: Workspace) -> list[tuple[int, str, str | None]]:
    return space.query("select line_no, outcome, reason from review_decisions order by 1")


def status(space: Workspace, record: str) -> str:
    rows = space.query("select status from claims where source_record_id = ?", [record])
    return str(rows[0][0])


@pytest.mark.parametrize(
    "amount", ["1e12", "88.005", "-88.00", "¥88.00", "1,088.00", "88.00 CNY", "eighty"]
)
def test_override_amount_not_a_plain_decimal_is_invalid_and_claim_stays_in_review(
    workspace: Workspace, amount: str
):
    ids = in_review(workspace, "A")
    decide(workspace, [[ids["A"], "override", amount, "Wang", "gesture"]])
    summary = workspace.compensate()  # the run goes on
    assert summary.decisions == {"invalid": 1}
    [(line, outcome, reason)] = outcomes(workspace)
    assert (line, outcome) == (2, "invalid")
    assert reason is not None and "override amount" in reason
    assert status(workspace, "A") == "review" and offers(workspace) == {}
    assert workspace.compensate().decisions == {}  # and again the next night


def test_corrected_override_in_a_later_file_is_taken(workspace: Workspace):
    ids = in_review(workspace, "A")
    decide(workspace, [[ids["A"], "override", "1e12", "Wang", "typo"]], "d1.csv")
    workspace.compensate()
    decide(workspace, [[ids["A"], "override", "88.00", "Wang", "corrected"]], "d2.csv")
    assert workspace.compensate().decisions == {"accepted": 1}
    assert status(workspace, "A") == "offered" and offers(workspace)["A"][3] == "88.00"


def test_override_of_zero_is_invalid(workspace: Workspace):
    ids = in_review(workspace, "A", "B")
    decide(
        workspace,
        [[ids["A"], "override", "0.00", "Wang", ""], [ids["B"], "override", "0.01", "Wang", ""]],
    )
    assert workspace.compensate().decisions == {"invalid": 1, "accepted": 1}
    assert "below 0.01" in str(outcomes(workspace)[0][2])
    assert status(workspace, "A") == "review" and offers(workspace)["B"][3] == "0.01"


def test_override_above_max_override_is_invalid(workspace: Workspace):
    workspace.configure('max_override = "50000.00"', 'max_override = "500.00"')
    ids = in_review(workspace, "A", "B", "C")
    decide(
        workspace,
        [
            [ids["A"], "override", "1000000000000.00", "Wang", ""],
            [ids["B"], "override", "500.01", "Wang", ""],
            [ids["C"], "override", "500.00", "Wang", ""],
        ],
    )
    summary = workspace.compensate()
    assert not summary.halted and summary.decisions == {"invalid": 2, "accepted": 1}
    assert [r[1] for r in outcomes(workspace)] == ["invalid", "invalid", "accepted"]
    assert all("review.max_override 500.00" in str(r[2]) for r in outcomes(workspace)[:2])
    assert offers(workspace)["C"][3] == "500.00"
    assert (status(workspace, "A"), status(workspace, "B")) == ("review", "review")


def test_max_override_is_validated_as_money(workspace: Workspace):
    from flows.shared.config import ConfigError, load_campaign

    path = workspace.paths.campaign_file(CAMPAIGN)
    workspace.configure('max_override = "50000.00"', 'max_override = "0.00"')
    with pytest.raises(ConfigError, match=r"review\.max_override: must be at least 0\.01"):
        load_campaign(path)


@pytest.mark.parametrize(
    ("decision", "amount", "reviewer", "reason"),
    [
        ("approve", "88.00", "Wang", "amount is given only with override"),
        ("reject", "0.00", "Wang", "amount is given only with override"),
        ("maybe", "", "Wang", "decision 'maybe' is not approve, reject or override"),
        ("", "88.00", "Wang", "an amount without a decision"),
        ("approve", "", "", "no reviewer"),
        ("override", "", "Wang", "override needs an amount"),
    ],
)
def test_other_malformed_decision_lines_are_invalid_with_their_reason(
    workspace: Workspace, decision: str, amount: str, reviewer: str, reason: str
):
    ids = in_review(workspace, "A")
    decide(workspace, [[ids["A"], decision, amount, reviewer, ""]], "d1.csv")
    assert workspace.compensate().decisions == {"invalid": 1}
    assert reason in str(outcomes(workspace)[0][2])
    assert status(workspace, "A") == "review"
    decide(workspace, [[ids["A"], "approve", "", "Wang", "corrected"]], "d2.csv")
    assert workspace.compensate().decisions == {"accepted": 1}
    assert status(workspace, "A") == "offered"


def test_lines_without_a_decision_are_ignored_not_errors(workspace: Workspace):
    ids = in_review(workspace, "A", "B", "C")
    decide(
        workspace,
        [
            [ids["A"], "", "", "", ""],
            [ids["B"], " ", "", "Wang", "waiting for the photos"],
            [ids["C"], "approve", "", "Wang", ""],
        ],
    )
    summary = workspace.compensate()
    assert summary.decisions == {"accepted": 1} and summary.decision_problems == []
    assert outcomes(workspace) == [(4, "accepted", None)]
    assert (status(workspace, "A"), status(workspace, "B")) == ("review", "review")


def test_decision_problems_are_reported_with_file_line_and_reason(workspace: Workspace):
    ids = in_review(workspace, "A", "B")
    decide(
        workspace,
        [
            [ids["A"], "override", "1e12", "Wang", ""],
            ["nope-0000002", "approve", "", "Wang", ""],
            [ids["B"], "approve", "", "Wang", ""],
            [ids["B"], "reject", "", "Chen", "second"],
        ],
        "decisions_2026-10-15.csv",
    )
    summary = workspace.compensate()
    assert summary.decision_problems == [
        "reviews/decisions_2026-10-15.csv line 2: invalid: override amount '1e12' is not a "
        "plain decimal with at most two places",
        "reviews/decisions_2026-10-15.csv line 3: unknown_claim: no such claim in the campaign",
        "reviews/decisions_2026-10-15.csv line 5: already_decided: the claim was decided "
        "before; this line is ignored",
    ]


def test_override_accepted_above_max_override_before_the_check_is_invalid_at_the_next_run(
    workspace: Workspace,
):
    """A database from before amounts were checked may hold such a line; it halted every run."""
    import duckdb

    ids = in_review(workspace, "A")
    con = duckdb.connect(str(workspace.paths.database))
    con.execute(
        "insert into review_decisions values (?, 'old', 2, 'r', ?, 'override', "
        "1000000000000.00, 'Wang', '', 'accepted', null, false)",
        [CAMPAIGN, ids["A"]],
    )
    con.close()
    summary = workspace.compensate()
    assert not summary.halted and status(workspace, "A") == "review"
    assert summary.decisions == {"invalid": 1} and "1 override(s)" in summary.decision_problems[0]
    assert "above review.max_override 50000.00" in str(outcomes(workspace)[0][2])
    decide(workspace, [[ids["A"], "override", "88.00", "Wang", "corrected"]])
    assert workspace.compensate().decisions == {"accepted": 1}
    assert offers(workspace)["A"][3] == "88.00"
