"""sql/intake/duplicates.sql: which claims lose to an earlier claim of the same unit."""

from __future__ import annotations

from datetime import date

from flows.shared import db
from tests.conftest import insert_claim

DAY = date(2026, 3, 1)


def claim(con, claim_id: str, **cells) -> None:
    """One eligible claim; `cells` override the unit (sku, serial_no, lot_code, customer_key,
    purchase_date) and the ranking (claim_date, ingest_seq, status)."""
    insert_claim(con, claim_id, **cells)


def losers(con) -> dict[str, str]:
    db.run(con, "intake/duplicates", campaign="C")
    rows = con.execute("select claim_id, duplicate_of from duplicates").fetchall()
    return dict(rows)


def test_a_serial_claimed_twice_keeps_the_earliest_claim(con):
    claim(con, "s1", serial_no="X1", claim_date=date(2026, 3, 5))
    claim(con, "s2", serial_no="X1", claim_date=date(2026, 3, 2))
    claim(con, "s3", serial_no="X2")
    claim(con, "s4", serial_no="X1", sku="OTHER")  # another product's serial
    assert losers(con) == {"s1": "s2"}


def test_a_lot_is_one_unit_per_customer_and_purchase_day(con):
    claim(con, "l1", lot_code="L7", ingest_seq=2)
    claim(con, "l2", lot_code="L7", ingest_seq=1)
    claim(con, "l3", lot_code="L7", customer_key="k2")
    claim(con, "l4", lot_code="L7", purchase_date=date(2026, 3, 2))
    claim(con, "l5", lot_code="L8")
    assert losers(con) == {"l1": "l2"}


def test_claims_without_serial_or_lot_are_one_unit_per_customer_and_day(con):
    claim(con, "n1", claim_date=date(2026, 3, 3))
    claim(con, "n2")
    claim(con, "n3", customer_key="k2")
    claim(con, "n4", serial_no="X1")  # a serial is its own unit
    assert losers(con) == {"n1": "n2"}


def test_a_settled_claim_wins_over_an_earlier_open_one(con):
    claim(con, "o1", serial_no="X1", status="offered", claim_date=date(2026, 3, 9))
    claim(con, "o2", serial_no="X1", claim_date=date(2026, 3, 1))
    claim(con, "o3", serial_no="X1", status="ineligible", claim_date=date(2026, 2, 1))
    assert losers(con) == {"o2": "o1"}
