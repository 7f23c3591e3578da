"""No float anywhere on the money path: amounts round-trip exactly through intake."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flows.shared.money import parse_money
from tests.conftest import Workspace, row

AMOUNTS = [
    "0.10",
    "0.20",
    "0.30",
    "0.01",
    "1.10",
    "2.675",
    "99999999.99",
    "9999999999999999.99",
    "1,000,000.07",
    "¥0.07",
]


def test_amounts_round_trip_exactly_through_intake(workspace: Workspace):
    rows = [
        row(
            source_record_id=str(i),
            serial_no=f"K3A{600 + i:06d}",
            purchase_price=a,
            documented_expenses=a,
        )
        for i, a in enumerate(AMOUNTS)
    ]
    workspace.write_csv("money.csv", rows)
    workspace.intake()
    stored = dict(workspace.query("select source_record_id, purchase_price from claims"))
    assert all(isinstance(v, Decimal) for v in stored.values())
    assert {AMOUNTS[int(k)]: str(v) for k, v in stored.items()} == {
        "0.10": "0.10",
        "0.20": "0.20",
        "0.30": "0.30",
        "0.01": "0.01",
        "1.10": "1.10",
        "99999999.99": "99999999.99",
        "9999999999999999.99": "9999999999999999.99",
        "1,000,000.07": "1000000.07",
        "¥0.07": "0.07",
    }  # "2.675" has three places: quarantined, never rounded
    total = workspace.query("select sum(purchase_price) from claims where purchase_price < 1")
    assert total == [(Decimal("0.68"),)]  # 0.10 + 0.20 + 0.30 + 0.01 + 0.07, exactly


def test_parse_money_is_exact_and_refuses_floats():
    assert parse_money("0.1") + parse_money("0.2") == Decimal("0.30")
    assert parse_money("99999999.99") == Decimal("99999999.99")
    with pytest.raises(ValueError, match="float"):
        parse_money(0.1)
    with pytest.raises(ValueError, match="two decimals"):
        parse_money("0.005")
