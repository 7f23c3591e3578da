"""SPEC §4: every row ends in exactly one state, with the reason codes of the SPEC."""

from __future__ import annotations

import pytest

from tests.conftest import make_workspace, row

# (source_record_id, changes, expected status, expected reasons)
CASES = [
    ("ok", {}, "eligible", ""),
    ("missing_name", {"customer_name": ""}, "quarantined", "missing_field:customer_name"),
    ("missing_sku", {"sku": "  "}, "quarantined", "missing_field:sku"),
    ("missing_serial", {"serial_no": ""}, "quarantined", "missing_field:serial_no"),
    ("missing_pdate", {"purchase_date": ""}, "quarantined", "missing_field:purchase_date"),
    ("missing_price", {"purchase_price": ""}, "quarantined", "missing_field:purchase_price"),
    ("bad_pdate", {"purchase_date": "2026-02-30"}, "quarantined", "bad_date:purchase_date"),
    ("zero_date", {"purchase_date": "0000-00-00"}, "quarantined", "bad_date:purchase_date"),
    ("word_date", {"purchase_date": "March 5"}, "quarantined", "bad_date:purchase_date"),
    ("bad_cdate", {"claim_date": "2026-13-01"}, "quarantined", "bad_date:claim_date"),
    (
        "future_pdate",
        {"purchase_date": "2026-10-16", "claim_date": "2026-10-16"},
        "quarantined",
        "future_date:claim_date;future_date:purchase_date",
    ),
    ("bad_price", {"purchase_price": "1.299,00"}, "quarantined", "bad_amount:purchase_price"),
    ("sci_price", {"purchase_price": "1e5"}, "quarantined", "bad_amount:purchase_price"),
    (
        "huge_price",
        {"purchase_price": "99999999999999999999"},
        "quarantined",
        "bad_amount:purchase_price",
    ),
    ("three_places", {"purchase_price": "299.005"}, "quarantined", "bad_amount:purchase_price"),
    ("neg_price", {"purchase_price": "-299.00"}, "quarantined", "negative_amount:purchase_price"),
    (
        "bad_expense",
        {"documented_expenses": "abc"},
        "quarantined",
        "bad_amount:documented_expenses",
    ),
    (
        "neg_expense",
        {"documented_expenses": "-1"},
        "quarantined",
        "negative_amount:documented_expenses",
    ),
    ("qty_zero", {"quantity": "0"}, "quarantined", "bad_value:quantity"),
    ("qty_frac", {"quantity": "1.5"}, "quarantined", "bad_value:quantity"),
    ("bad_harm", {"harm": "severe"}, "quarantined", "bad_value:harm"),
    ("bad_evidence", {"expense_evidence": "maybe"}, "quarantined", "bad_value:expense_evidence"),
    ("no_contact", {"email": "", "phone": "", "postal_address": ""}, "quarantined", "no_contact"),
    (
        "many_problems",
        {"customer_name": "", "purchase_price": "x", "harm": "?"},
        "quarantined",
        "bad_amount:purchase_price;bad_value:harm;missing_field:customer_name",
    ),
    ("wrong_sku", {"sku": "K2-220"}, "ineligible", "not_affected_sku"),
    ("sku_case", {"sku": "k3-220"}, "ineligible", "not_affected_sku"),
    ("serial_high", {"serial_no": "K3A100000"}, "ineligible", "serial_out_of_range"),
    ("serial_low", {"serial_no": "K3A000099"}, "ineligible", "serial_out_of_range"),
    ("serial_length", {"serial_no": "K3A0005000"}, "ineligible", "serial_out_of_range"),
    ("serial_edge_lo", {"serial_no": "K3A000100"}, "eligible", ""),
    ("serial_edge_hi", {"serial_no": "K3A099999"}, "eligible", ""),
    ("bought_early", {"purchase_date": "2024-12-31"}, "ineligible", "purchase_outside_window"),
    ("bought_late", {"purchase_date": "2026-09-01"}, "ineligible", "purchase_outside_window"),
    ("window_edge", {"purchase_date": "2026-08-31"}, "eligible", ""),
    (
        "two_reasons",
        {"sku": "X", "serial_no": "Z"},
        "ineligible",
        "not_affected_sku;serial_out_of_range",
    ),
    # formats that must load
    ("slash_date", {"purchase_date": "2026/3/5"}, "eligible", ""),
    ("cjk_date", {"purchase_date": "2026年3月5日"}, "eligible", ""),
    ("iso_short", {"purchase_date": "2026-3-5"}, "eligible", ""),
    ("yen_price", {"purchase_price": "¥1,299.00"}, "eligible", ""),
    ("fw_yen", {"purchase_price": "￥ 1 299"}, "eligible", ""),
    ("zero_price", {"purchase_price": "0"}, "eligible", ""),
    ("minus_zero", {"documented_expenses": "-0"}, "eligible", ""),
    ("evidence_cn", {"expense_evidence": "是", "harm": "PROPERTY"}, "eligible", ""),
    ("phone_only", {"email": "", "phone": "+86 138-0013-8000"}, "eligible", ""),
    ("address_only", {"email": "", "postal_address": "1 Road"}, "eligible", ""),
]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str, str | None]]:
    """One intake over a file holding one row per case."""
    with pytest.MonkeyPatch.context() as patch:
        space = make_workspace(tmp_path_factory.mktemp("reasons"), patch)
        rows = []
        for number, (rid, changes, _, _) in enumerate(CASES):
            distinct_serial = {"serial_no": f"K3A{1000 + number:06d}"}  # keep dedupe out of it
            rows.append(row(source_record_id=rid, **distinct_serial) | changes)
        space.write_csv("cases.csv", rows)
        space.intake()
        return space.claims()


@pytest.mark.parametrize(("rid", "changes", "status", "reasons"), CASES, ids=[c[0] for c in CASES])
def test_row_state_and_reasons(outcome, rid, changes, status, reasons):
    assert outcome[rid][:2] == (status, reasons)


def test_every_row_in_exactly_one_state(outcome):
    assert sorted(outcome) == sorted(c[0] for c in CASES)
