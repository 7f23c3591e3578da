"""sql/intake/claims_eligibility.sql (SPEC §4 step 2): the eligibility reasons of each claim,
every one that applies, sorted; one rule per test, on the statement alone."""

from __future__ import annotations

from datetime import date

from flows.shared import db
from tests.conftest import insert_claim

RULES = {
    "campaign": "C",
    "skus": ["K3-220"],
    "serial_ranges": [{"lo": "K3A000100", "hi": "K3A000999"}],
    "lots": [],
    "window_start": date(2025, 1, 1),
    "window_end": date(2026, 8, 31),
    "claim_deadline": date(2027, 3, 1),
}
GOOD = {"sku": "K3-220", "serial_no": "K3A000500", "purchase_date": date(2026, 3, 5)}


def classify(con, **rules) -> dict[str, tuple[str, str]]:
    """claim_id → (status, reasons) after the statement ran with RULES changed by `rules`."""
    db.update(con, "intake/claims_eligibility", **(RULES | rules))
    found = con.sql("select claim_id, status, reasons from claims").fetchall()
    return {claim_id: (status, reasons) for claim_id, status, reasons in found}


def test_a_claim_meeting_every_rule_is_eligible_without_reasons(con):
    insert_claim(con, "ok", **GOOD)
    assert classify(con) == {"ok": ("eligible", "")}


def test_a_sku_not_in_the_list_is_not_affected_sku_compared_exactly(con):
    insert_claim(con, "other", **GOOD | {"sku": "K2-220"})
    insert_claim(con, "lower", **GOOD | {"sku": "k3-220"})
    assert classify(con) == {
        "other": ("ineligible", "not_affected_sku"),
        "lower": ("ineligible", "not_affected_sku"),
    }


def test_a_serial_outside_every_range_is_serial_out_of_range(con):
    insert_claim(con, "low", **GOOD | {"serial_no": "K3A000099"})
    insert_claim(con, "lo", **GOOD | {"serial_no": "K3A000100"})
    insert_claim(con, "hi", **GOOD | {"serial_no": "K3A000999"})
    insert_claim(con, "high", **GOOD | {"serial_no": "K3A001000"})
    assert classify(con) == {
        "low": ("ineligible", "serial_out_of_range"),
        "lo": ("eligible", ""),
        "hi": ("eligible", ""),
        "high": ("ineligible", "serial_out_of_range"),
    }


def test_a_serial_of_another_length_is_out_of_range_though_it_sorts_inside(con):
    insert_claim(con, "short", **GOOD | {"serial_no": "K3A0005"})  # "K3A0001…" < it < "K3A0009…"
    assert classify(con) == {"short": ("ineligible", "serial_out_of_range")}


def test_a_lot_not_listed_is_lot_not_affected(con):
    insert_claim(con, "listed", **GOOD | {"serial_no": None, "lot_code": "L7"})
    insert_claim(con, "other", **GOOD | {"serial_no": None, "lot_code": "L8"})
    assert classify(con, serial_ranges=[], lots=["L7"]) == {
        "listed": ("eligible", ""),
        "other": ("ineligible", "lot_not_affected"),
    }


def test_a_purchase_outside_the_window_is_purchase_outside_window_its_ends_inside(con):
    for claim_id, day in (
        ("before", date(2024, 12, 31)),
        ("first", date(2025, 1, 1)),
        ("last", date(2026, 8, 31)),
        ("after", date(2026, 9, 1)),
    ):
        insert_claim(con, claim_id, **GOOD | {"purchase_date": day})
    assert classify(con) == {
        "before": ("ineligible", "purchase_outside_window"),
        "first": ("eligible", ""),
        "last": ("eligible", ""),
        "after": ("ineligible", "purchase_outside_window"),
    }


def test_a_claim_after_the_deadline_is_claim_after_deadline_the_day_itself_not(con):
    insert_claim(con, "on_time", **GOOD | {"claim_date": date(2027, 3, 1)})
    insert_claim(con, "late", **GOOD | {"claim_date": date(2027, 3, 2)})
    assert classify(con) == {
        "on_time": ("eligible", ""),
        "late": ("ineligible", "claim_after_deadline"),
    }


def test_every_reason_of_a_claim_is_listed_sorted(con):
    insert_claim(
        con,
        "all",
        sku="K2-220",
        serial_no="X1",
        purchase_date=date(2024, 1, 1),
        claim_date=date(2027, 4, 1),
    )
    assert classify(con) == {
        "all": (
            "ineligible",
            "claim_after_deadline;not_affected_sku;purchase_outside_window;serial_out_of_range",
        )
    }


def test_changed_rules_apply_to_open_claims_only_never_to_settled_ones(con):
    insert_claim(con, "was_duplicate", **GOOD | {"status": "duplicate", "duplicate_of": "x"})
    insert_claim(con, "was_ineligible", **GOOD | {"status": "ineligible", "reasons": "old"})
    insert_claim(con, "offered", **GOOD | {"sku": "K2-220", "status": "offered"})
    insert_claim(con, "other_campaign", **GOOD | {"sku": "K2-220", "campaign": "D"})
    assert classify(con) == {
        "was_duplicate": ("eligible", ""),
        "was_ineligible": ("eligible", ""),
        "offered": ("offered", ""),
        "other_campaign": ("eligible", ""),
    }
