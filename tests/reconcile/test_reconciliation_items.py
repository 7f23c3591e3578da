"""sql/reconcile/reconciliation_items.sql (SPEC §7), on the statement alone (after
reconcile/instruction_payments, which it reads): each instruction and each payout in exactly one
class. One class per test; instructions of 100.00 CNY made on 2026-10-01, classed as of AS_OF."""

from __future__ import annotations

from datetime import date, timedelta

from flows.shared import db
from tests.conftest import INSTRUCTED_ON as MADE
from tests.conftest import insert_instruction as instruction
from tests.conftest import insert_payout as payout

AS_OF = date(2026, 10, 20)


def classes(con, as_of: date = AS_OF) -> dict[str, str]:
    """payment_ref (instructions) or provider_txn_id (payouts) → class."""
    db.run(con, "reconcile/instruction_payments", campaign="C", as_of=as_of)
    db.run(con, "reconcile/reconciliation_items", campaign="C", run_id="r", as_of=as_of)
    found = con.sql(
        "select coalesce(provider_txn_id, payment_ref), class from reconciliation_items"
    ).fetchall()
    return dict(found)


def test_a_payment_of_the_instructed_amount_is_matched(con):
    instruction(con, "PR-1")
    payout(con, "T-1", "PR-1")
    assert classes(con) == {"PR-1": "matched", "T-1": "matched"}


def test_a_payment_short_of_the_instructed_amount_is_underpaid(con):
    instruction(con, "PR-1")
    payout(con, "T-1", "PR-1", amount="90.00")
    assert classes(con) == {"PR-1": "underpaid", "T-1": "underpaid"}


def test_a_payment_above_the_instructed_amount_is_overpaid(con):
    instruction(con, "PR-1")
    payout(con, "T-1", "PR-1", amount="100.01")
    assert classes(con) == {"PR-1": "overpaid", "T-1": "overpaid"}


def test_a_second_successful_payment_of_one_instruction_is_a_duplicate_payment(con):
    instruction(con, "PR-1")
    payout(con, "T-1", "PR-1")
    payout(con, "T-2", "PR-1", value_date=MADE + timedelta(days=6))
    assert classes(con) == {
        "PR-1": "duplicate_payment",
        "T-1": "matched",
        "T-2": "duplicate_payment",
    }


def test_a_payout_carrying_none_of_our_refs_is_unknown_ref(con):
    payout(con, "T-1", "PR-NOT-OURS")
    assert classes(con) == {"T-1": "unknown_ref"}


def test_a_payout_in_another_currency_is_a_currency_mismatch_and_pays_nothing(con):
    instruction(con, "PR-1")
    payout(con, "T-1", "PR-1", currency="USD")
    assert classes(con) == {"PR-1": "currency_mismatch", "T-1": "currency_mismatch"}


def test_a_failed_payment_that_was_reissued_is_failed(con):
    instruction(con, "PR-1")
    instruction(con, "PR-2", reissue_of="PR-1", chain_ref="PR-1", attempt=2)
    payout(con, "T-1", "PR-1", status="failed")
    assert classes(con) == {"PR-1": "failed", "PR-2": "outstanding", "T-1": "failed"}


def test_a_failed_payment_not_reissued_is_unpayable(con):
    # reconcile/reissues ran first and made no reissue: the chain's reissues are used up
    instruction(con, "PR-1")
    payout(con, "T-1", "PR-1", status="failed")
    assert classes(con) == {"PR-1": "unpayable", "T-1": "failed"}


def test_a_payment_returned_is_failed_both_the_payment_and_the_return(con):
    instruction(con, "PR-1")
    instruction(con, "PR-2", reissue_of="PR-1", chain_ref="PR-1", attempt=2)
    payout(con, "T-1", "PR-1")
    payout(con, "T-2", "PR-1", status="returned", value_date=MADE + timedelta(days=7))
    assert classes(con) == {
        "PR-1": "failed",
        "PR-2": "outstanding",
        "T-1": "failed",
        "T-2": "failed",
    }


def test_a_return_reversed_lets_the_payment_stand(con):
    instruction(con, "PR-1")
    payout(con, "T-1", "PR-1")
    payout(con, "T-2", "PR-1", status="returned", value_date=MADE + timedelta(days=7))
    payout(con, "T-3", "PR-1", status="return_reversed", value_date=MADE + timedelta(days=8))
    assert classes(con) == {
        "PR-1": "matched",
        "T-1": "failed",  # given back by the return
        "T-2": "failed",
        "T-3": "matched",  # the reversal pays it again: it stands
    }


def test_an_instruction_without_payout_is_outstanding_aged_0_7_8_30_and_over_30(con):
    for ref, days in (("d7", 7), ("d8", 8), ("d30", 30), ("d31", 31)):
        instruction(con, ref, made=AS_OF - timedelta(days=days))
    db.run(con, "reconcile/instruction_payments", campaign="C", as_of=AS_OF)
    db.run(con, "reconcile/reconciliation_items", campaign="C", run_id="r", as_of=AS_OF)
    found = con.sql("select payment_ref, class, age_days, aging from reconciliation_items")
    assert sorted(found.fetchall()) == [
        ("d30", "outstanding", 30, "8-30"),
        ("d31", "outstanding", 31, ">30"),
        ("d7", "outstanding", 7, "0-7"),
        ("d8", "outstanding", 8, "8-30"),
    ]


def test_a_payout_valued_after_as_of_is_not_counted_yet(con):
    instruction(con, "PR-1")
    payout(con, "T-1", "PR-1", value_date=AS_OF + timedelta(days=1))
    assert classes(con) == {"PR-1": "outstanding"}


def test_each_instruction_and_payout_lands_in_exactly_one_class(con):
    instruction(con, "PR-1")
    instruction(con, "PR-2")
    payout(con, "T-1", "PR-1")
    payout(con, "T-2", "PR-1", value_date=MADE + timedelta(days=6))
    payout(con, "T-3", "PR-2", currency="USD")
    payout(con, "T-4", "PR-X")
    classes(con)
    rows = con.sql(
        "select coalesce(provider_txn_id, payment_ref) as item, count(*) "
        "from reconciliation_items group by 1"
    ).fetchall()
    assert dict(rows) == {"PR-1": 1, "PR-2": 1, "T-1": 1, "T-2": 1, "T-3": 1, "T-4": 1}
