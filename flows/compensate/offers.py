"""The run's offer candidates totalled by kind (sql/compensate/offer_candidate_totals.sql):
what the budget check weighs, read by name."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

import duckdb

from flows.shared import db

ZERO = Decimal(0)


class CandidateTotals(NamedTuple):
    """Counts and money of one kind of candidate (automatic, or decided by a reviewer)."""

    offers: int = 0
    goodwill: Decimal = ZERO
    bonus: Decimal = ZERO
    expenses: Decimal = ZERO
    total: Decimal = ZERO
    released_holdback: Decimal = ZERO  # the holdbacks of the reviews decided in this run


def candidate_totals(con: duckdb.DuckDBPyConnection) -> tuple[CandidateTotals, CandidateTotals]:
    """The totals of the automatic candidates and of those a reviewer decided (zero for a kind
    without candidates), from offer_candidates."""
    found = {}
    for row in db.rows(con, "compensate/offer_candidate_totals"):
        automatic = row.pop("automatic")
        found[automatic] = CandidateTotals(**row)
    return found.get(True, CandidateTotals()), found.get(False, CandidateTotals())
