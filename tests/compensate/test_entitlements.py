"""SPEC §5 formula, clause by clause, with amounts computed by hand.

Demo campaign rules: standard tier 15 % clamped to 50.00–300.00, expense cap 200.00; property
30 %, 100.00–800.00, cap 2000.00; injury 50 %, 500.00–3000.00. Announced 2026-09-01; bonus 20 %
up to day 30, 10 % up to day 60, then 0.
"""

from __future__ import annotations

import csv
from datetime import date

import pytest

from flows.cli.export import export_claims
from tests.conftest import CAMPAIGN, make_workspace, row

AS_OF = date(2026, 11, 15)
DAY_9 = "2026-09-10"
# id, changes, (tier, goodwill, bonus, expenses, total, status, review_reasons), expense note
CASES = [
    (
        "clamp_min",
        {"purchase_price": "100.00"},
        ("standard", "50.00", "10.00", "0.00", "60.00", "offered", ""),
        "",
    ),
    (
        "clamp_max",
        {"purchase_price": "2500.00"},
        ("standard", "300.00", "60.00", "0.00", "360.00", "offered", ""),
        "",
    ),
    (
        "in_range",
        {"purchase_price": "1000.00"},
        ("standard", "150.00", "30.00", "0.00", "180.00", "offered", ""),
        "",
    ),
    (
        "quantity_3",
        {"purchase_price": "1000.00", "quantity": "3"},
        ("standard", "450.00", "90.00", "0.00", "540.00", "offered", ""),
        "",
    ),
    (
        "day_30",
        {"purchase_price": "1000.00", "claim_date": "2026-10-01"},
        ("standard", "150.00", "30.00", "0.00", "180.00", "offered", ""),
        "",
    ),
    (
        "day_31",
        {"purchase_price": "1000.00", "claim_date": "2026-10-02"},
        ("standard", "150.00", "15.00", "0.00", "165.00", "offered", ""),
        "",
    ),
    (
        "day_60",
        {"purchase_price": "1000.00", "claim_date": "2026-10-31"},
        ("standard", "150.00", "15.00", "0.00", "165.00", "offered", ""),
        "",
    ),
    (
        "day_61",
        {"purchase_price": "1000.00", "claim_date": "2026-11-01"},
        ("standard", "150.00", "0.00", "0.00", "150.00", "offered", ""),
        "",
    ),
    (
        "before_announcement",
        {"purchase_price": "1000.00", "claim_date": "2026-08-20"},
        ("standard", "150.00", "30.00", "0.00", "180.00", "offered", ""),
        "",
    ),
    # 333.50 × 0.15 = 50.025 → 50.03 (half-up; half-even would give 50.02)
    (
        "half_up_goodwill",
        {"purchase_price": "333.50", "claim_date": "2026-11-01"},
        ("standard", "50.03", "0.00", "0.00", "50.03", "offered", ""),
        "",
    ),
    # 668.33 × 0.15 = 100.2495 → 100.25; bonus 100.25 × 0.10 = 10.025 → 10.03
    (
        "half_up_bonus",
        {"purchase_price": "668.33", "claim_date": "2026-10-10"},
        ("standard", "100.25", "10.03", "0.00", "110.28", "offered", ""),
        "",
    ),
    (
        "expense_paid",
        {
            "purchase_price": "1000.00",
            "documented_expenses": "150.00",
            "expense_type": "transport",
            "expense_evidence": "yes",
        },
        ("standard", "150.00", "30.00", "150.00", "330.00", "offered", ""),
        "",
    ),
    (
        "cap_hit",
        {
            "purchase_price": "1000.00",
            "documented_expenses": "250.00",
            "expense_type": "repair",
            "expense_evidence": "是",
        },
        ("standard", "150.00", "30.00", "200.00", "380.00", "offered", ""),
        "expense_capped",
    ),
    (
        "evidence_missing",
        {"purchase_price": "1000.00", "documented_expenses": "80.00", "expense_type": "postage"},
        ("standard", "150.00", "30.00", "0.00", "180.00", "offered", ""),
        "expense_no_evidence",
    ),
    (
        "excluded_type",
        {
            "purchase_price": "1000.00",
            "documented_expenses": "500.00",
            "expense_type": "legal",
            "expense_evidence": "yes",
        },
        ("standard", "150.00", "30.00", "0.00", "180.00", "offered", ""),
        "expense_excluded:legal",
    ),
    (
        "unknown_type",
        {
            "purchase_price": "1000.00",
            "documented_expenses": "50.00",
            "expense_type": "taxi",
            "expense_evidence": "yes",
        },
        ("standard", "150.00", "30.00", "0.00", "180.00", "offered", ""),
        "expense_unknown_type",
    ),
    (
        "property_tier",
        {
            "purchase_price": "1000.00",
            "harm": "property",
            "documented_expenses": "1500.00",
            "expense_type": "property_damage",
            "expense_evidence": "true",
        },
        ("property", "300.00", "60.00", "1500.00", "1860.00", "review", "amount"),
        "",
    ),
    (
        "injury_tier",
        {"purchase_price": "1000.00", "harm": "injury"},
        ("injury", "500.00", "100.00", "0.00", "600.00", "review", "harm"),
        "",
    ),
    (
        "vip_flag",
        {"purchase_price": "1000.00", "flags": "VIP;unknown"},
        ("standard", "150.00", "30.00", "0.00", "180.00", "review", "flag:vip"),
        "",
    ),
    (
        "two_reasons",
        {"purchase_price": "1000.00", "flags": "media;lawyer", "harm": "injury"},
        ("injury", "500.00", "100.00", "0.00", "600.00", "review", "flag:lawyer;flag:media;harm"),
        "",
    ),
    (
        "units_a",
        {"purchase_price": "1000.00", "quantity": "3", "email": "many@example.cn"},
        ("standard", "450.00", "90.00", "0.00", "540.00", "review", "units"),
        "",
    ),
    (
        "units_b",
        {"purchase_price": "1000.00", "quantity": "3", "email": "MANY@example.cn"},
        ("standard", "450.00", "90.00", "0.00", "540.00", "review", "units"),
        "",
    ),
    (
        "units_five_ok",
        {"purchase_price": "1000.00", "quantity": "5", "email": "five@example.cn"},
        ("standard", "750.00", "150.00", "0.00", "900.00", "offered", ""),
        "",
    ),
]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory):
    """One intake and one compensate over a file holding one claim per case."""
    from flows.compensate.flow import compensate

    with pytest.MonkeyPatch.context() as patch:
        space = make_workspace(tmp_path_factory.mktemp("formula"), patch)
        rows = [
            row(
                source_record_id=rid,
                serial_no=f"K3A{2000 + n:06d}",
                email=f"c{n}@example.cn",
                claim_date=DAY_9,
            )
            | changes
            for n, (rid, changes, _, _) in enumerate(CASES)
        ]
        space.write_csv("cases.csv", rows)
        space.intake(AS_OF)
        summary = compensate(CAMPAIGN, AS_OF)
        out = space.paths.home / "claims.csv"
        export_claims(space.paths, CAMPAIGN, out)
        with out.open(encoding="utf-8") as handle:
            exported = {r["source_record_id"]: r for r in csv.DictReader(handle)}
        notes = dict(
            space.query(
                "select c.source_record_id, e.expense_notes from entitlements e join claims c "
                "using (claim_id)"
            )
        )
        holdbacks = dict(
            space.query(
                "select c.source_record_id, e.holdback::varchar from entitlements e join claims c "
                "using (claim_id) where c.status = 'review'"
            )
        )
        return summary, exported, notes, holdbacks


@pytest.mark.parametrize(("rid", "changes", "expected", "note"), CASES, ids=[c[0] for c in CASES])
def test_entitlement(outcome, rid, changes, expected, note):
    _, exported, notes, _ = outcome
    got = exported[rid]
    keys = ("tier", "goodwill", "bonus", "expenses", "total", "status", "review_reasons")
    assert tuple(got[k] for k in keys) == expected
    assert notes[rid] == note
    assert got["prorate_factor"] == ""


def test_injury_holds_back_the_fixed_amount_others_their_total(outcome):
    _, _, _, holdbacks = outcome
    assert holdbacks["injury_tier"] == "5000.00"
    assert holdbacks["two_reasons"] == "5000.00"
    assert holdbacks["vip_flag"] == "180.00"
    assert holdbacks["property_tier"] == "1860.00"


def test_money_position_counts_offers_and_holdbacks(outcome):
    summary, exported, _, holdbacks = outcome
    from decimal import Decimal

    offered = sum(Decimal(r["total"]) for r in exported.values() if r["status"] == "offered")
    assert summary.position.offered == offered
    assert summary.position.held_back == sum(Decimal(v) for v in holdbacks.values())
    assert summary.pending_reviews == 6 and summary.prorate_factor is None
