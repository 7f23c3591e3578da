"""Rules of sql/reconcile/reconciliation_items.sql, each on an in-memory DuckDB with its rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flows.shared import db
from flows.shared.settings import SQL_DIR

AS_OF = date(2026, 10, 15)


def classes(con, paid: dict[str, str]) -> dict[tuple[str, str], str]:
    """Class per (item, payment_ref), one payout of `paid[ref]` to each instruction of 100.00."""
    for n, (ref, amount) in enumerate(paid.items()):
        db.execute(
            con,
            "insert into payment_instructions (payment_ref, campaign, claim_id, run_id, payee,"
            " contact, amount, currency, instructed_on) values (?, 'C', ?, 'r', 'p', 'c', 100.00,"
            " 'CNY', ?)",
            [ref, f"claim-{n}", date(2026, 10, 1)],
        )
        db.execute(
            con,
            "insert into payouts (provider_txn_id, campaign, payment_ref, amount, currency, status,"
            " value_date, file_sha256, source_file, line_no, run_id) values (?, 'C', ?, ?, 'CNY',"
            " 'paid', ?, 's', 'f.csv', ?, 'r')",
            [f"t-{n}", ref, amount, date(2026, 10, 2), n + 1],
        )
    db.run(con, "reconcile/instruction_payments", campaign="C", as_of=AS_OF)
    db.run(con, "reconcile/reconciliation_items", campaign="C", run_id="r", as_of=AS_OF)
    rows = con.execute("select item, payment_ref, class from reconciliation_items").fetchall()
    return {(item, ref): cls for item, ref, cls in rows}


def test_paid_below_the_instruction_is_underpaid_above_overpaid_equal_matched(con):
    found = classes(con, {"low": "99.99", "high": "100.01", "same": "100.00"})
    for item in ("instruction", "payout"):
        assert found[(item, "low")] == "underpaid"
        assert found[(item, "high")] == "overpaid"
        assert found[(item, "same")] == "matched"


def test_the_under_and_overpaid_rule_is_written_once():
    text = (SQL_DIR / "reconcile" / "reconciliation_items.sql").read_text(encoding="utf-8")
    assert text.count("'underpaid'") == 1
    assert text.count("'overpaid'") == 1


def test_committed_is_offers_plus_pending_holdbacks_in_the_budget_and_the_reserve_position():
    from flows.reconcile.summary import ReservePosition
    from flows.shared.budget import Position

    zero = Decimal(0)
    budget = Position(Decimal("100.00"), offered=Decimal("30.00"), held_back=Decimal("20.00"))
    reserve = ReservePosition(
        reserve=Decimal("100.00"),
        top_ups=zero,
        offered=Decimal("30.00"),
        held_back=Decimal("20.00"),
        paid=zero,
        outstanding=zero,
        failed_not_reissued=zero,
    )
    assert budget.committed == reserve.committed == Decimal("50.00")
    assert budget.headroom == reserve.headroom == Decimal("50.00")
    assert reserve.utilisation == Decimal("0.5")
