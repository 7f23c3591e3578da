"""The reserve position and the budget rule of SPEC §5, in exact Decimal (never SQL division)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

import duckdb

from flows import db
from flows.config import CampaignConfig

FACTOR_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Position:
    """Where the campaign's reserve stands before this run's new offers."""

    available: Decimal  # reserve + top-ups
    offered: Decimal  # binding offers so far
    held_back: Decimal  # pending reviews that stay pending in this run

    @property
    def committed(self) -> Decimal:
        return self.offered + self.held_back

    @property
    def headroom(self) -> Decimal:
        return self.available - self.committed


@dataclass(frozen=True)
class NewOffers:
    """This run's candidate offers: reviewer-decided ones (never scaled) and automatic ones."""

    decided_total: Decimal
    goodwill: Decimal
    bonus: Decimal
    expenses: Decimal

    @property
    def total(self) -> Decimal:
        return self.decided_total + self.goodwill + self.bonus + self.expenses


@dataclass(frozen=True)
class BudgetDecision:
    make_offers: bool
    factor: Decimal | None  # set when automatic goodwill and bonus are prorated
    message: str


def decide(policy: str, position: Position, new: NewOffers) -> BudgetDecision:
    """All new offers if they fit (equality fits); else halt, or prorate goodwill and bonus."""
    headroom = position.headroom
    if new.total <= headroom:
        return BudgetDecision(True, None, "all new offers fit the reserve")
    shortfall = new.total - headroom
    halt = BudgetDecision(
        False,
        None,
        f"budget halt: new offers {new.total} exceed the headroom {headroom} "
        f"(available {position.available}, committed {position.committed}) "
        f"by a shortfall of {shortfall}",
    )
    if policy == "halt":
        return halt
    room = headroom - new.decided_total - new.expenses
    if room <= 0:
        return halt
    factor = (room / (new.goodwill + new.bonus)).quantize(FACTOR_PLACES, rounding=ROUND_DOWN)
    return BudgetDecision(
        True, factor, f"prorated: goodwill and bonus of new offers scaled by {factor}"
    )


def reserve_position(
    con: duckdb.DuckDBPyConnection, config: CampaignConfig
) -> tuple[Position, int]:
    """The campaign's reserve now (available = reserve + top-ups), and its pending reviews."""
    top_ups, offered, held_back, pending = db.run(
        con, "compensate/reserve_position", campaign=config.campaign.id
    )[0]
    return Position(config.campaign.reserve + top_ups, offered, held_back), pending
