"""sql/compensate/claims_review.sql and claims_rejected.sql (SPEC §5 manual review), on the
statements alone: a claim with review reasons goes to review, one without stays (or goes back
to) eligible, a claim a reviewer decided is left alone, and an accepted reject rejects."""

from __future__ import annotations

from flows.shared import db
from tests.conftest import insert_claim, insert_decision, insert_entitlement


def statuses(con) -> dict[str, str]:
    return dict(con.sql("select claim_id, status from claims").fetchall())


def test_a_claim_with_review_reasons_goes_to_review_one_without_stays_eligible(con):
    insert_claim(con, "flagged")
    insert_entitlement(con, "flagged", "flag:vip")
    insert_claim(con, "plain")
    insert_entitlement(con, "plain")
    db.update(con, "compensate/claims_review", campaign="C")
    assert statuses(con) == {"flagged": "review", "plain": "eligible"}


def test_a_claim_in_review_whose_reasons_are_gone_goes_back_to_eligible(con):
    insert_claim(con, "was_review", status="review")
    insert_entitlement(con, "was_review")  # the rules changed before anyone decided
    db.update(con, "compensate/claims_review", campaign="C")
    assert statuses(con) == {"was_review": "eligible"}


def test_a_claim_a_reviewer_decided_is_not_routed_again(con):
    insert_claim(con, "approved", status="review")
    insert_entitlement(con, "approved")  # no reasons now, but its decision stands
    insert_decision(con, "approved", "approve")
    insert_claim(con, "invalid_line", status="review")
    insert_entitlement(con, "invalid_line")
    insert_decision(con, "invalid_line", "override", outcome="invalid", line=3)  # not a decision
    db.update(con, "compensate/claims_review", campaign="C")
    assert statuses(con) == {"approved": "review", "invalid_line": "eligible"}


def test_settled_claims_and_those_without_entitlement_are_left_alone(con):
    for claim_id, status in (("offered", "offered"), ("rejected", "rejected")):
        insert_claim(con, claim_id, status=status)
        insert_entitlement(con, claim_id, "harm")
    insert_claim(con, "no_entitlement")
    db.update(con, "compensate/claims_review", campaign="C")
    assert statuses(con) == {
        "offered": "offered",
        "rejected": "rejected",
        "no_entitlement": "eligible",
    }


def test_an_accepted_reject_rejects_a_claim_in_review_only(con):
    insert_claim(con, "reject", status="review")
    insert_decision(con, "reject", "reject")
    insert_claim(con, "invalid", status="review")
    insert_decision(con, "invalid", "reject", outcome="invalid", line=3)
    insert_claim(con, "approve", status="review")
    insert_decision(con, "approve", "approve", line=4)
    db.update(con, "compensate/claims_rejected", campaign="C")
    assert statuses(con) == {"reject": "rejected", "invalid": "review", "approve": "review"}
