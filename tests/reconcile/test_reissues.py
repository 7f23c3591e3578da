"""sql/reconcile/reissues.sql (SPEC §7 failed → reissued up to max_reissues), on the statement
alone (after reconcile/instruction_payments, which it reads)."""

from __future__ import annotations

from datetime import date, timedelta

from flows.shared import db
from tests.conftest import INSTRUCTED_ON, insert_instruction, insert_payout

AS_OF = date(2026, 10, 20)


def reissue(con, max_reissues: int = 2) -> list[tuple[str, str, int, str, str, date]]:
    """(reissue_of, chain_ref, attempt, amount, claim_id, instructed_on) of the new instructions."""
    db.run(con, "reconcile/instruction_payments", campaign="C", as_of=AS_OF)
    db.run(con, "reconcile/reissues", run_id="r2", as_of=AS_OF, max_reissues=max_reissues)
    return con.sql(
        "select reissue_of, chain_ref, attempt, amount::varchar, claim_id, instructed_on "
        "from payment_instructions where run_id = 'r2' order by reissue_of"
    ).fetchall()


def test_a_failed_payment_is_reissued_once_in_its_chain_under_a_new_ref(con):
    insert_instruction(con, "PR-1")
    insert_payout(con, "T-1", "PR-1", status="failed")
    assert reissue(con) == [("PR-1", "PR-1", 2, "100.00", "claim-PR-1", AS_OF)]
    [(ref,)] = con.sql(
        "select payment_ref from payment_instructions where run_id = 'r2'"
    ).fetchall()
    assert ref.startswith("PR-") and ref != "PR-1"
    assert reissue(con) == [("PR-1", "PR-1", 2, "100.00", "claim-PR-1", AS_OF)]  # not twice


def test_a_returned_payment_is_reissued_a_paid_one_and_a_reversed_return_not(con):
    insert_instruction(con, "PR-1")
    insert_payout(con, "T-1", "PR-1")
    insert_payout(con, "T-2", "PR-1", status="returned", value_date=INSTRUCTED_ON + timedelta(6))
    insert_instruction(con, "PR-2")
    insert_payout(con, "T-3", "PR-2")
    insert_instruction(con, "PR-3")
    insert_payout(con, "T-4", "PR-3")
    insert_payout(con, "T-5", "PR-3", status="returned", value_date=INSTRUCTED_ON + timedelta(6))
    insert_payout(
        con, "T-6", "PR-3", status="return_reversed", value_date=INSTRUCTED_ON + timedelta(7)
    )
    assert [r[0] for r in reissue(con)] == ["PR-1"]


def test_a_chain_is_reissued_at_most_max_reissues_times(con):
    insert_instruction(con, "PR-1")
    insert_instruction(con, "PR-2", reissue_of="PR-1", chain_ref="PR-1", attempt=2)
    insert_instruction(con, "PR-3", reissue_of="PR-2", chain_ref="PR-1", attempt=3)
    for n, ref in enumerate(("PR-1", "PR-2", "PR-3")):
        insert_payout(con, f"T-{n}", ref, status="failed")
    assert reissue(con, max_reissues=2) == []  # the third attempt failed: unpayable
    assert [r[:3] for r in reissue(con, max_reissues=3)] == [("PR-3", "PR-1", 4)]
