"""The reserve position, its ledger of top-ups and the budget rule of SPEC §5, in exact Decimal
(never SQL division)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

import duckdb

from flows.shared import db
from flows.shared.config import CampaignConfig
from flows.shared.runs import database, load_config
from flows.shared.settings import Paths

FACTOR_PLACES = Decimal("0.000001")
TOP_UP_LIMIT = Decimal("1000000000000.00")  # one ledger entry, either way (SPEC §5)


class ReserveRefused(Exception):
    """A top-up or correction that was not recorded; the message says why and what to do."""


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


def check_top_up(amount: Decimal, note: str) -> None:
    """Refuse a ledger entry of 0.00, beyond TOP_UP_LIMIT either way, or without a reason."""
    if amount == 0:
        raise ReserveRefused("--amount: 0.00 changes nothing; nothing recorded")
    if abs(amount) > TOP_UP_LIMIT:
        raise ReserveRefused(
            f"--amount: {amount:,.2f} is beyond {TOP_UP_LIMIT:,.2f}, the most one entry may "
            "add or correct; record a larger change as several entries; nothing recorded"
        )
    if not note.strip():
        raise ReserveRefused("--note: say why the reserve changes (kept in the ledger)")


def add_top_up(paths: Paths, campaign: str, amount: Decimal, note: str, on: date) -> int:
    """Record a top-up (or, negative, a correction) in the reserve ledger; returns its entry
    number. A correction that would leave `available < committed` is refused, nothing recorded."""
    check_top_up(amount, note)
    config = load_config(paths, campaign)
    with database(paths, "reserve add", campaign) as con, db.transaction(con):
        position, _ = reserve_position(con, config)
        left = position.available + amount
        if left < position.committed:
            raise ReserveRefused(
                f"--amount {amount:,.2f}: would leave available {left:,.2f} below committed "
                f"{position.committed:,.2f} (offers {position.offered:,.2f} + held back "
                f"{position.held_back:,.2f}); the largest correction now is "
                f"{position.committed - position.available:,.2f}; nothing recorded"
            )
        [(entry,)] = db.run(
            con,
            "shared/reserve_ledger_entry",
            campaign=campaign,
            amount=amount,
            note=note,
            recorded_on=on,
        )
        return int(entry)
