"""Property: for random instructions and payout streams (paid, failed, returned, reversed,
duplicates, other currencies, unknown refs, over several reconcile runs with reissues), every
instruction and payout is in exactly one class and paid + outstanding + failed-not-reissued
= instructed, to the cent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.reconcile.flow import classify, money_totals
from flows.shared import db

CAMPAIGN = "RC-2026-017"
START = date(2026, 10, 15)
CLASSES = {
    "matched",
    "underpaid",
    "overpaid",
    "duplicate_payment",
    "unknown_ref",
    "currency_mismatch",
    "failed",
    "unpayable",
    "outstanding",
}
amounts = st.decimals(min_value=Decimal("0.01"), max_value=5000, places=2)
event = st.fixed_dictionaries(
    {
        "target": st.integers(0, 7),  # instruction index; 7 and above: an unknown ref
        "status": st.sampled_from(["paid", "paid", "paid", "failed", "returned", "reversed"]),
        "delta": st.sampled_from(["0", "0", "0", "-0.01", "3.50"]),
        "currency": st.sampled_from(["CNY", "CNY", "CNY", "CNY", "USD"]),
        "newest": st.booleans(),  # aim at the chain's newest instruction (its reissue)
    }
)
scenario = st.tuples(
    st.lists(amounts, min_size=1, max_size=7),
    st.lists(st.lists(event, max_size=8), min_size=1, max_size=4),  # payouts per run
    st.integers(0, 3),  # max_reissues
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(scenario)
def test_classes_are_exclusive_and_totals_tie_out(con, case):
    instructed, runs, max_reissues = case
    db.execute(con, "delete from payouts")
    db.execute(con, "delete from payment_instructions")
    db.execute(con, "delete from reconciliation_items")
    for n, amount in enumerate(instructed):
        db.execute(
            con,
            "insert into payment_instructions (payment_ref, campaign, claim_id, run_id, payee, "
            "contact, amount, currency, instructed_on) "
            "values (?, ?, ?, 'r0', 'N', 'c', ?, 'CNY', ?)",
            [f"PR-{n:016X}", CAMPAIGN, f"c{n}", amount, START],
        )
    txn = 0
    for number, events in enumerate(runs, 1):
        day = START + timedelta(days=7 * number)
        chains = con.execute(
            "select coalesce(chain_ref, payment_ref), payment_ref, amount "
            "from payment_instructions order by attempt"
        ).fetchall()
        first = {c: (r, a) for c, r, a in reversed(chains)}
        newest = {c: (r, a) for c, r, a in chains}
        heads = sorted(first)
        for e in events:
            txn += 1
            if e["target"] < len(heads):
                ref, amount = (newest if e["newest"] else first)[heads[e["target"]]]
            else:
                ref, amount = "PR-FFFFFFFFFFFFFFFF", Decimal("1.00")
            db.execute(
                con,
                "insert into payouts (provider_txn_id, campaign, payment_ref, amount, currency, "
                "status, value_date, file_sha256, source_file, line_no, run_id) "
                "values (?, ?, ?, ?, ?, ?, ?, 'f', 'f.csv', ?, 'r')",
                [
                    f"T{txn}",
                    CAMPAIGN,
                    ref,
                    amount + Decimal(e["delta"]),
                    e["currency"],
                    e["status"],
                    day,
                    txn,
                ],
            )
        classify(con, CAMPAIGN, f"r{number}", day, max_reissues)

    items = con.execute(
        "select item, class, count(*) from reconciliation_items group by all"
    ).fetchall()
    assert {c for _, c, _ in items} <= CLASSES
    counted = {item: sum(n for i, _, n in items if i == item) for item in ("instruction", "payout")}
    assert (
        counted["instruction"]
        == con.execute("select count(*) from payment_instructions").fetchone()[0]
    )
    assert counted["payout"] == con.execute("select count(*) from payouts").fetchone()[0]
    assert (
        con.execute(
            "select count(*) from (select item, coalesce(provider_txn_id, payment_ref) k "
            "from reconciliation_items group by all having count(*) > 1)"
        ).fetchone()[0]
        == 0
    )

    totals = money_totals(con)
    assert totals["instructed"] == sum(instructed)
    assert totals["paid"] + totals["outstanding"] + totals["failed_not_reissued"] == sum(instructed)
    # every cent paid to our refs in our currency is either applied or reported as excess
    net = con.execute(
        "select coalesce(sum(case when o.status = 'paid' then o.amount else -o.amount end), 0) "
        "from payouts o join payment_instructions i on i.payment_ref = o.payment_ref "
        "and i.currency = o.currency where o.status <> 'failed'"
    ).fetchone()[0]
    assert totals["paid_net"] == net
    # reissue chains never exceed the limit
    assert (
        con.execute("select coalesce(max(attempt), 1) from payment_instructions").fetchone()[0]
        <= max_reissues + 1
    )
