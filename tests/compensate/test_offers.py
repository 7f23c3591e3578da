"""sql/compensate/offer_candidates.sql and offers.sql (SPEC §5), on the statements alone: who
gets an offer in this run, at what amount, and how a pro-rata factor scales it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flows.shared import db
from tests.conftest import insert_claim, insert_decision, insert_entitlement

AS_OF = date(2026, 10, 15)


TIERS = [{"name": "standard", "harm": "none", "pct": "0.15", "lo": "50", "hi": "300", "cap": "200"}]


def offers(con, factor: str | None = None) -> dict[str, tuple[Decimal, ...]]:
    """claim_id → (goodwill, bonus, expenses, adjustment, total) of the offers made."""
    db.run(con, "compensate/offer_candidates", campaign="C", tiers=TIERS)
    db.run(con, "compensate/offers", campaign="C", run_id="r", factor=factor, as_of=AS_OF)
    found = con.sql(
        "select claim_id, goodwill, bonus, expenses, adjustment, total, source, prorate_factor "
        "from offers"
    ).fetchall()
    return {row[0]: row[1:] for row in found}


def entitled(con, claim_id: str, status: str = "eligible", **cells: object) -> None:
    insert_claim(con, claim_id, status=status)
    amounts = {"goodwill": "150.00", "bonus": "30.00", "expenses": "80.00", "total": "260.00"}
    insert_entitlement(con, claim_id, **amounts | cells)


def test_an_eligible_claim_is_offered_its_entitlement(con):
    entitled(con, "auto")
    assert offers(con) == {
        "auto": (
            Decimal("150.00"),
            Decimal("30.00"),
            Decimal("80.00"),
            Decimal("0.00"),
            Decimal("260.00"),
            "auto",
            None,
        )
    }


def test_a_claim_in_review_is_offered_only_once_approved_or_overridden(con):
    entitled(con, "pending", status="review")
    entitled(con, "approved", status="review")
    insert_decision(con, "approved", "approve")
    entitled(con, "overridden", status="review")
    insert_decision(con, "overridden", "override", amount="88.00", line=3)
    got = offers(con)
    assert sorted(got) == ["approved", "overridden"]
    assert (got["approved"][4], got["approved"][5]) == (Decimal("260.00"), "approve")
    # an override keeps the breakdown and adds the difference as an adjustment
    assert got["overridden"][3:6] == (Decimal("-172.00"), Decimal("88.00"), "override")


def test_a_prorated_offer_scales_goodwill_and_bonus_rounded_down_never_expenses(con):
    entitled(con, "auto", goodwill="150.05", bonus="30.01", total="260.06")
    # 150.05 × 0.333333 = 50.0166… → 50.01; 30.01 × 0.333333 = 10.0033… → 10.00
    assert offers(con, factor="0.333333")["auto"] == (
        Decimal("50.01"),
        Decimal("10.00"),
        Decimal("80.00"),
        Decimal("0.00"),
        Decimal("140.01"),
        "auto",
        Decimal("0.333333"),
    )


def test_a_decided_offer_is_never_prorated(con):
    entitled(con, "approved", status="review")
    insert_decision(con, "approved", "approve")
    got = offers(con, factor="0.5")["approved"]
    assert (got[4], got[6]) == (Decimal("260.00"), None)


def test_a_claim_already_offered_gets_no_second_offer(con):
    entitled(con, "auto")
    first = offers(con)
    db.run(con, "compensate/offer_candidates", campaign="C", tiers=TIERS)
    assert con.sql("select count(*) from offer_candidates").fetchall() == [(0,)]
    assert offers(con) == first
