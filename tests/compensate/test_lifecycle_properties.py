"""Property (SPEC §11): random sequences of nights with new claims, review decisions and customer
responses keep money conserved — offers and supplements = instructions = the totals of the
offer letters due — keep committed within available after every night that made offers, and
never change an amount once offered."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from flows.compensate.flow import compute_entitlements, make_offers
from flows.compensate.responses import RESPONSES, act_on_responses, response_params
from flows.compensate.reviews import DECISIONS
from flows.letters.flow import due_params
from flows.shared import db
from flows.shared.config_rules import Budget
from flows.shared.line_files import LinesRead
from flows.shared.runs import Run
from flows.shared.settings import Paths
from tests.shared.test_budget_properties import AS_OF, CONFIG, cents, insert_claims

claims = st.lists(
    st.fixed_dictionaries(
        {
            "price": cents,
            "quantity": st.integers(1, 2),
            "harm": st.sampled_from(["none", "none", "property", "injury"]),
            "day": st.integers(0, 90),
            "expenses": cents,
            "expense_type": st.sampled_from(["transport", "repair", None]),
            "evidence": st.booleans(),
            "flags": st.sampled_from([[], [], ["vip"]]),
        }
    ),
    min_size=1,
    max_size=6,
)
decisions = st.lists(
    st.tuples(
        st.integers(0, 4),
        st.sampled_from(["approve", "reject", "override"]),
        st.decimals(min_value=1, max_value=3000, places=2, allow_nan=False),
    ),
    max_size=5,
)
responses = st.lists(
    st.tuples(
        st.integers(0, 4),
        st.sampled_from(["accept", "evidence", "dispute", "dispute", "withdraw", "rating"]),
        st.one_of(st.none(), cents),
    ),
    max_size=6,
)
# a claim whose transport costs wait for a receipt
SPENT = {
    "price": Decimal("1000.00"),
    "quantity": 1,
    "harm": "none",
    "day": 5,
    "expenses": Decimal("80.00"),
    "expense_type": "transport",
    "evidence": False,
    "flags": [],
}
nights = st.lists(st.tuples(claims, decisions, responses), min_size=1, max_size=4)


def stage(con, name: str, columns: tuple[str, ...], rows: list[dict[str, str | None]]) -> None:
    frame = pl.DataFrame(
        {c: [r.get(c) for r in rows] for c in (*columns, "file_sha256")}
        | {"line_no": list(range(2, len(rows) + 2)), "__fields_ok": [True] * len(rows)},
        schema_overrides=dict.fromkeys((*columns, "file_sha256"), pl.String)
        | {"line_no": pl.Int64, "__fields_ok": pl.Boolean},
    )
    con.register(name, frame)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    nights=nights, reserve=cents.map(lambda r: r * 5), policy=st.sampled_from(["halt", "prorate"])
)
@example(  # receipts after the offer, a dispute decided above the offer the next week
    nights=[
        ([SPENT, SPENT | {"expense_type": None, "expenses": Decimal("0")}], [], []),
        ([], [], [(0, "evidence", None), (1, "dispute", None)]),
        ([], [(1, "override", Decimal("900.00"))], [(0, "rating", None)]),
    ],
    reserve=Decimal("100000.00"),
    policy="prorate",
)
def test_nights_of_decisions_and_responses_keep_money_conserved_and_offers_unchanged(
    nights, reserve, policy
):
    config = CONFIG.model_copy(
        update={
            "campaign": CONFIG.campaign.model_copy(update={"reserve": reserve}),
            "budget": Budget(policy=policy),
        }
    )
    con = db.connect(":memory:")
    paths = Paths(Path("/nonexistent"), Path("/nonexistent"))
    made: dict[tuple[str, int], tuple] = {}
    try:
        for number, (batch, decided, answered) in enumerate(nights):
            as_of = AS_OF + timedelta(days=7 * number)
            insert_claims(con, batch, start=100 * (number + 1))  # serials in the affected range
            run = Run(f"run{number}", "compensate", as_of, config, paths, con)
            compute_entitlements.fn(run)
            ids = [
                r
                for (r,) in con.execute("select claim_id from claims order by claim_id").fetchall()
            ]
            if ids:
                lines = [
                    {"claim_id": ids[i % len(ids)], "decision": verb, "reviewer": "W",
                     "amount": str(amount) if verb == "override" else None}
                    for i, verb, amount in decided
                ]  # fmt: skip
                stage(con, DECISIONS.stage, DECISIONS.columns, [
                    line | {"file_sha256": f"d{number}"} for line in lines
                ])  # fmt: skip
                db.run(con, DECISIONS.record, campaign=run.campaign, run_id=run.run_id,
                       max_override=str(config.review.max_override))  # fmt: skip
                answers = [
                    {"claim_id": ids[i % len(ids)], "response": verb,
                     "amount": str(amount) if verb == "evidence" and amount is not None else None,
                     "score": "4" if verb == "rating" else None}
                    for i, verb, amount in answered
                ]  # fmt: skip
                stage(con, RESPONSES.stage, RESPONSES.columns, [
                    a | {"file_sha256": f"r{number}"} for a in answers
                ])  # fmt: skip
                db.run(con, RESPONSES.record, campaign=run.campaign, run_id=run.run_id,
                       **response_params(run) | {"as_of": as_of})  # fmt: skip
                act_on_responses(run)
            summary = make_offers.fn(run, LinesRead({}, []), LinesRead({}, []))
            if not summary.halted:
                assert summary.position.committed <= summary.position.available
            # an offer, once made, never changes
            rows = con.execute("select claim_id, offer_version, total, goodwill, bonus, "
                               "expenses, adjustment from offers").fetchall()  # fmt: skip
            now = {(r[0], r[1]): r[2:] for r in rows}
            assert {k: now[k] for k in made} == made
            made = now
            for (source,) in con.execute("select distinct source from offers").fetchall():
                event(f"offers by {source}")
            offered = db.scalar(con, "select coalesce(sum(total), 0) from offers")
            instructed = db.scalar(con, "select coalesce(sum(amount), 0) from payment_instructions")
            assert offered == instructed
            assert db.scalar(con, "select count(*) from offers") == db.scalar(
                con, "select count(*) from payment_instructions"
            )
            due = db.rows(con, "letters/letters_due", **due_params(run) | {"as_of": as_of})
            letters = sum(
                (d["total"] for d in due if d["kind"] in ("offer", "supplementary_offer")),
                Decimal(0),
            )
            assert letters == offered
    finally:
        con.close()
