"""The candidates of a run, totalled by kind (sql/compensate/offer_candidate_totals.sql) and
read by name: automatic offers, offers a reviewer decided, and the holdbacks they release."""

from __future__ import annotations

from decimal import Decimal


def candidates(con, rows: list[tuple[str, str, str, str, str, str]]) -> None:
    """offer_candidates as sql/compensate/offer_candidates.sql makes it, with these rows:
    (source, goodwill, bonus, expenses, adjustment, holdback)."""
    con.execute(
        "create or replace temp table offer_candidates (source varchar, goodwill decimal(18, 2),"
        " bonus decimal(18, 2), expenses decimal(18, 2), adjustment decimal(18, 2),"
        " holdback decimal(18, 2))"
    )
    con.executemany("insert into offer_candidates values (?, ?, ?, ?, ?, ?)", rows)


def test_candidate_totals_are_read_by_name_per_kind(con):
    from flows.compensate.offers import candidate_totals

    candidates(
        con,
        [
            ("auto", "100.00", "10.00", "5.00", "0", "0"),
            ("auto", "50.00", "5.00", "0", "0", "0"),
            ("override", "80.00", "8.00", "0", "12.00", "40.00"),
        ],
    )
    automatic, decided = candidate_totals(con)
    assert automatic.offers == 2 and decided.offers == 1
    assert (automatic.goodwill, automatic.bonus, automatic.expenses) == (
        Decimal("150.00"),
        Decimal("15.00"),
        Decimal("5.00"),
    )
    assert automatic.total == Decimal("170.00") and automatic.released_holdback == 0
    assert decided.total == Decimal("100.00") and decided.released_holdback == Decimal("40.00")


def test_a_kind_without_candidates_totals_zero(con):
    from flows.compensate.offers import candidate_totals

    candidates(con, [("approve", "100.00", "0", "0", "0", "25.00")])
    automatic, decided = candidate_totals(con)
    assert automatic.offers == 0 and automatic.total == 0 and automatic.released_holdback == 0
    assert decided.offers == 1 and decided.released_holdback == Decimal("25.00")
