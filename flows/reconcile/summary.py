"""What a reconcile run found (SPEC §7): the reserve position and its alerts, money paid to
refs not ours, and the run's summary, which the flow makes and the reports and the command
line read."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.shared.budget import Position

if TYPE_CHECKING:
    from flows.shared.inbox import FileOutcome


class ReconciliationAlert(Exception):
    """A reconciliation alert of severity error: the outputs are written, the run fails; what
    the run found rides along (`summary`), for the command line to tell before the error."""

    def __init__(self, message: str, summary: ReconcileSummary | None = None) -> None:
        super().__init__(message)
        self.summary = summary


@dataclass(frozen=True)
class Alert:
    # headroom_negative | paid_over_committed | paid_over_available | utilisation_high |
    # statement_unbalanced | statement_rejected
    code: str
    severity: str  # error | warning
    message: str


@dataclass(frozen=True)
class ReservePosition:
    """SPEC §7's reserve position of a campaign; money only. What "committed" means (offers
    + pending holdbacks, SPEC §5) is the budget's (flows.shared.budget.Position): the
    headroom and the utilisation are read from it, never worked out again here."""

    reserve: Decimal
    top_ups: Decimal
    offered: Decimal  # the offers made: "committed offers" in the report (SPEC §7)
    held_back: Decimal  # pending reviews
    paid: Decimal  # net of returns and reversals, to our payment refs
    outstanding: Decimal
    failed_not_reissued: Decimal
    warn_at: Decimal = Decimal("0.90")  # [reconcile] utilisation_warning

    @property
    def budget(self) -> Position:
        return Position(self.reserve + self.top_ups, self.offered, self.held_back)

    @property
    def available(self) -> Decimal:
        return self.budget.available

    @property
    def committed(self) -> Decimal:
        return self.budget.committed

    @property
    def headroom(self) -> Decimal:
        return self.budget.headroom

    @property
    def utilisation(self) -> Decimal:
        """Share of the available reserve committed (0 when nothing is available)."""
        if self.available <= 0:
            return Decimal(0)
        return self.committed / self.available

    def alerts(self) -> list[Alert]:
        found = []
        if self.headroom < 0:
            found.append(Alert("headroom_negative", "error", f"headroom is {self.headroom}"))
        if self.paid > self.offered:
            found.append(
                Alert(
                    "paid_over_committed",
                    "error",
                    f"paid {self.paid} exceeds committed offers {self.offered}",
                )
            )
        if self.paid > self.available:
            found.append(
                Alert(
                    "paid_over_available",
                    "error",
                    f"paid {self.paid} exceeds the available reserve {self.available}",
                )
            )
        if self.utilisation > self.warn_at:
            found.append(
                Alert(
                    "utilisation_high",
                    "warning",
                    f"utilisation {self.utilisation:.1%} is over {self.warn_at:.0%}",
                )
            )
        return found


@dataclass(frozen=True)
class ReconcileSummary:
    """What one reconcile run found; counts and money only (no personal data)."""

    run_id: str
    files: list[FileOutcome]
    classes: list[tuple[str, str, int, Decimal, Decimal]]  # item, class, count, instructed, paid
    totals: dict[str, Decimal]
    position: ReservePosition
    alerts: list[Alert]
    reissued: int
    payout_files: list[dict[str, Any]]  # payout_files.csv: each statement's or file's fate
    unmatched: list[Unmatched]  # paid to refs not ours, or in another currency, per currency
    currency: str  # the campaign's: the only one the totals and the position add up
    reports: Path | None = None


@dataclass(frozen=True)
class Unmatched:
    """Money moved by payouts that pay no instruction of ours, in one currency, net."""

    kind: str  # unknown_ref | currency_mismatch
    currency: str
    payouts: int
    net: Decimal
