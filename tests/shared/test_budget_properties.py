"""Property: for random claim sets and reserves, compensate never over-commits the reserve,
never reduces an expense when prorating, and instructs exactly what it offers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.compensate.flow import compute_entitlements, make_offers
from flows.shared import db
from flows.shared.budget import NewOffers, Position, decide
from flows.shared.config import load_campaign
from flows.shared.config_rules import Budget
from flows.shared.line_files import LinesRead
from flows.shared.runs import Run
from flows.shared.settings import SHIPPED_CONFIG_DIR, Paths

CONFIG = load_campaign(SHIPPED_CONFIG_DIR / "campaigns" / "RC-2026-017.toml")
AS_OF = date(2026, 12, 1)
cents = st.decimals(min_value=0, max_value=4000, places=2, allow_nan=False, allow_infinity=False)

claims = st.lists(
    st.fixed_dictionaries(
        {
            "price": cents,
            "quantity": st.integers(1, 3),
            "harm": st.sampled_from(["none", "none", "property", "injury"]),
            "day": st.integers(-5, 90),
            "expenses": cents,
            "expense_type": st.sampled_from(["transport", "repair", "legal", "taxi", None]),
            "evidence": st.booleans(),
            "flags": st.sampled_from([[], [], ["vip"]]),
        }
    ),
    min_size=1,
    max_size=12,
)


def insert_claims(con, batch: list[dict], start: int) -> None:
    for n, c in enumerate(batch, start=start):
        db.execute(
            con,
            """
            insert into claims (claim_id, campaign, run_id, file_sha256, source_file, line_no,
                ingest_seq, source_record_id, customer_name, email, customer_key, sku, serial_no,
                purchase_date, purchase_price, quantity, claim_date, channel, language, harm,
                documented_expenses, expense_type, expense_evidence, flags, status)
            values (?, 'RC-2026-017', 'r', 'f', 'f.csv', ?, 1, ?, 'N', ?, ?, 'K3-220', ?,
                    '2026-03-05', ?, ?, ?, 'online', 'en', ?, ?, ?, ?, ?, 'eligible')""",
            [
                f"c{n}",
                n,
                str(n),
                f"e{n}@x",
                f"email:e{n}@x",
                f"K3A{n:06d}",
                c["price"],
                c["quantity"],
                CONFIG.campaign.announced_on + timedelta(days=c["day"]),
                c["harm"],
                c["expenses"],
                c["expense_type"],
                c["evidence"],
                c["flags"],
            ],
        )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=claims,
    second=claims,
    reserve=cents.map(lambda r: r * 10),
    policy=st.sampled_from(["halt", "prorate"]),
)
def test_compensate_keeps_money_invariants(first, second, reserve, policy):
    config = CONFIG.model_copy(
        update={
            "campaign": CONFIG.campaign.model_copy(update={"reserve": reserve}),
            "budget": Budget(policy=policy),
        }
    )
    con = db.connect(":memory:")
    paths = Paths(Path("/nonexistent"), Path("/nonexistent"))
    try:
        for number, batch in enumerate([first, second]):
            insert_claims(con, batch, start=100 * number)
            run = Run(f"run{number}", "compensate", AS_OF, config, paths, con)
            compute_entitlements.fn(run)
            summary = make_offers.fn(run, LinesRead({}, []), LinesRead({}, []))
            if not summary.halted:
                assert (
                    summary.position.offered + summary.position.held_back
                    <= summary.position.available
                )
            else:
                assert (
                    db.scalar(con, "select count(*) from offers where run_id = ?", [run.run_id])
                    == 0
                )
        reduced = db.scalar(
            con,
            "select count(*) from offers o join entitlements e "
            "using (claim_id) where o.expenses <> e.expenses",
        )
        assert reduced == 0
        offered = db.scalar(con, "select coalesce(sum(total), 0) from offers")
        instructed = db.scalar(con, "select coalesce(sum(amount), 0) from payment_instructions")
        assert offered == instructed
        assert db.scalar(con, "select count(*) from offers") == db.scalar(
            con, "select count(*) from payment_instructions"
        )
    finally:
        con.close()


@given(
    headroom=cents,
    decided=cents,
    goodwill=cents,
    bonus=cents,
    expenses=cents,
    policy=st.sampled_from(["halt", "prorate"]),
)
def test_budget_decision_never_exceeds_headroom(
    headroom, decided, goodwill, bonus, expenses, policy
):
    new = NewOffers(decided, goodwill, bonus, expenses)
    decision = decide(policy, Position(headroom, Decimal(0), Decimal(0)), new)
    if not decision.make_offers:
        assert new.total > headroom
        return
    if decision.factor is None:
        assert new.total <= headroom
        return
    assert policy == "prorate" and Decimal(0) <= decision.factor < 1
    scaled = (goodwill * decision.factor).quantize(Decimal("0.01"), rounding="ROUND_DOWN") + (
        bonus * decision.factor
    ).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    assert decided + expenses + scaled <= headroom
