"""sql/compensate/entitlements.sql (SPEC §5), on the statement alone: goodwill per tier, the
early-response bonus schedule, the expense rule and its notes, review reasons and holdbacks.
One rule per test; amounts computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flows.shared import db
from tests.conftest import insert_claim, insert_offer

ANNOUNCED = date(2026, 9, 1)
RULES = {
    "campaign": "C",
    "run_id": "r",
    "tiers": [
        {"name": "standard", "harm": "none", "pct": "0.15", "lo": "50", "hi": "300", "cap": "200"},
        {
            "name": "property",
            "harm": "property",
            "pct": "0.30",
            "lo": "100",
            "hi": "800",
            "cap": "2000",
        },
        {
            "name": "injury",
            "harm": "injury",
            "pct": "0.50",
            "lo": "500",
            "hi": "3000",
            "cap": "10000",
        },
    ],
    "schedule": [{"max_days": 30, "rate": "0.20"}, {"max_days": 60, "rate": "0.10"}],
    "announced_on": ANNOUNCED,
    "reimbursable": ["transport", "repair"],
    "excluded": ["legal"],
    "require_evidence": True,
    "review_harm": ["injury"],
    "review_flags": ["vip"],
    "amount_threshold": "1500.00",
    "max_units": 5,
    "injury_holdback": "5000.00",
}
LATE = date(2026, 12, 1)  # 91 days after the announcement: no bonus


def entitle(con, **rules) -> dict[str, dict[str, object]]:
    """claim_id → its entitlement row, after the statement ran with RULES changed by `rules`."""
    db.run(con, "compensate/entitlements", **(RULES | rules))
    rel = con.sql("select * from entitlements")
    return {row[0]: dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()}


def money(text: str) -> Decimal:
    return Decimal(text)


def test_goodwill_is_the_tier_percentage_of_the_unit_price_clamped_to_its_bounds(con):
    for claim_id, price in (("low", "100.00"), ("mid", "1000.00"), ("high", "2500.00")):
        insert_claim(con, claim_id, purchase_price=price, claim_date=LATE)
    got = entitle(con)
    assert {c: e["goodwill"] for c, e in got.items()} == {
        "low": money("50.00"),  # 15.00 → the standard tier's minimum
        "mid": money("150.00"),
        "high": money("300.00"),  # 375.00 → its maximum
    }


def test_the_tier_is_the_one_of_the_claims_harm(con):
    insert_claim(con, "none", purchase_price="1000.00", claim_date=LATE)
    insert_claim(con, "property", purchase_price="1000.00", claim_date=LATE, harm="property")
    insert_claim(con, "injury", purchase_price="1000.00", claim_date=LATE, harm="injury")
    got = entitle(con)
    assert {c: (e["tier"], e["goodwill"]) for c, e in got.items()} == {
        "none": ("standard", money("150.00")),
        "property": ("property", money("300.00")),
        "injury": ("injury", money("500.00")),
    }


def test_goodwill_is_clamped_per_unit_then_times_the_quantity(con):
    insert_claim(con, "three", purchase_price="100.00", quantity=3, claim_date=LATE)
    got = entitle(con)["three"]
    assert (got["goodwill_unit"], got["goodwill"]) == (money("50.00"), money("150.00"))


def test_goodwill_rounds_half_up_to_the_cent(con):
    insert_claim(con, "half", purchase_price="333.50", claim_date=LATE)  # 50.025
    assert entitle(con)["half"]["goodwill"] == money("50.03")


def test_the_bonus_rate_is_the_first_schedule_row_the_days_fit_else_nothing(con):
    days = {"before": -10, "day_0": 0, "day_30": 30, "day_31": 31, "day_60": 60, "day_61": 61}
    for claim_id, n in days.items():
        insert_claim(
            con,
            claim_id,
            purchase_price="1000.00",
            claim_date=date.fromordinal(ANNOUNCED.toordinal() + n),
        )
    got = entitle(con)
    assert {c: (e["bonus_rate"], e["bonus"]) for c, e in got.items()} == {
        "before": (money("0.2"), money("30.00")),  # days before the announcement count as 0
        "day_0": (money("0.2"), money("30.00")),
        "day_30": (money("0.2"), money("30.00")),
        "day_31": (money("0.1"), money("15.00")),
        "day_60": (money("0.1"), money("15.00")),
        "day_61": (money("0"), money("0.00")),
    }


def test_the_bonus_is_rounded_once_on_the_whole_goodwill(con):
    # goodwill 3 × 50.03 = 150.09; × 0.10 = 15.009 → 15.01 (per unit: 3 × 5.00 = 15.00)
    insert_claim(con, "once", purchase_price="333.50", quantity=3, claim_date=date(2026, 10, 10))
    got = entitle(con)["once"]
    assert (got["goodwill"], got["bonus"]) == (money("150.09"), money("15.01"))


def expense(con, claim_id: str, amount: str, kind: str | None, evidence: bool) -> None:
    insert_claim(
        con,
        claim_id,
        purchase_price="1000.00",
        claim_date=LATE,
        documented_expenses=amount,
        expense_type=kind,
        expense_evidence=evidence,
    )


def test_a_reimbursable_expense_with_evidence_is_paid_up_to_the_tier_cap(con):
    expense(con, "paid", "150.00", "transport", True)
    expense(con, "at_cap", "200.00", "repair", True)
    expense(con, "capped", "250.00", "repair", True)
    got = entitle(con)
    assert {c: (e["expenses"], e["expense_notes"], e["total"]) for c, e in got.items()} == {
        "paid": (money("150.00"), "", money("300.00")),
        "at_cap": (money("200.00"), "", money("350.00")),
        "capped": (money("200.00"), "expense_capped", money("350.00")),
    }


def test_an_expense_not_reimbursed_is_zero_with_the_note_saying_why(con):
    expense(con, "excluded", "80.00", "legal", True)
    expense(con, "unknown", "80.00", "dinner", True)
    expense(con, "untyped", "80.00", None, True)
    expense(con, "no_evidence", "80.00", "transport", False)
    got = entitle(con)
    assert {c: (e["expenses"], e["expense_notes"]) for c, e in got.items()} == {
        "excluded": (money("0.00"), "expense_excluded:legal"),
        "unknown": (money("0.00"), "expense_unknown_type"),
        "untyped": (money("0.00"), "expense_unknown_type"),
        "no_evidence": (money("0.00"), "expense_no_evidence"),
    }


def test_evidence_is_not_needed_where_the_campaign_does_not_require_it(con):
    expense(con, "no_evidence", "80.00", "transport", False)
    got = entitle(con, require_evidence=False)["no_evidence"]
    assert (got["expenses"], got["expense_notes"]) == (money("80.00"), "")


def test_review_reasons_are_harm_flag_amount_and_units_sorted(con):
    insert_claim(con, "plain", purchase_price="1000.00", claim_date=LATE, customer_key="a")
    insert_claim(
        con, "harm", purchase_price="1000.00", claim_date=LATE, harm="injury", customer_key="b"
    )
    insert_claim(con, "flags", claim_date=LATE, flags=["media", "vip"], customer_key="c")
    insert_claim(
        con, "amount", purchase_price="2000.00", quantity=5, claim_date=LATE, customer_key="d"
    )  # 5 × 300.00 = 1500.01? no: 1500.00, not above
    insert_claim(
        con,
        "above",
        purchase_price="2000.00",
        quantity=5,
        claim_date=LATE,
        customer_key="e",
        documented_expenses="0.01",
        expense_type="repair",
        expense_evidence=True,
    )
    insert_claim(
        con,
        "all",
        purchase_price="2000.00",
        quantity=6,
        harm="injury",
        flags=["vip"],
        claim_date=LATE,
        customer_key="f",
    )
    got = entitle(con)
    assert {c: e["review_reasons"] for c, e in got.items()} == {
        "plain": "",
        "harm": "harm",
        "flags": "flag:vip",  # an unknown flag is ignored
        "amount": "",  # a total equal to the threshold is not above it
        "above": "amount",
        "all": "amount;flag:vip;harm;units",
    }


def test_units_count_every_counted_claim_of_the_customer_and_send_all_of_its_claims(con):
    insert_claim(con, "offered", quantity=3, status="offered", claim_date=LATE)
    insert_offer(con, "offered")
    insert_claim(con, "review", quantity=2, status="review", claim_date=LATE)
    insert_claim(con, "new", quantity=1, claim_date=LATE)
    insert_claim(con, "duplicate", quantity=9, status="duplicate", claim_date=LATE)
    insert_claim(con, "other", quantity=5, claim_date=LATE, customer_key="k2")
    got = entitle(con)
    assert {c: e["review_reasons"] for c, e in got.items()} == {
        "review": "units",  # 3 + 2 + 1 = 6 > 5; the duplicate's units do not count
        "new": "units",
        "other": "",  # 5 units: not more than 5
    }


def test_a_pending_review_holds_back_its_total_an_injury_the_injury_holdback(con):
    insert_claim(con, "vip", purchase_price="1000.00", claim_date=LATE, flags=["vip"])
    insert_claim(con, "injury", purchase_price="1000.00", claim_date=LATE, harm="injury")
    got = entitle(con)
    assert {c: (e["total"], e["holdback"]) for c, e in got.items()} == {
        "vip": (money("150.00"), money("150.00")),
        "injury": (money("500.00"), money("5000.00")),
    }


def test_only_claims_awaiting_an_offer_of_the_campaign_are_entitled(con):
    for claim_id, status in (
        ("eligible", "eligible"),
        ("review", "review"),
        ("ineligible", "ineligible"),
        ("duplicate", "duplicate"),
        ("rejected", "rejected"),
    ):
        insert_claim(con, claim_id, status=status, claim_date=LATE)
    insert_claim(con, "elsewhere", campaign="D", claim_date=LATE)
    assert sorted(entitle(con)) == ["eligible", "review"]
