"""What an effect report says at a glance (SPEC §12): the headline figures its page's cards, the
Prefect artifact and the command line show — counts, shares and money, never a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl


def _row(frame: pl.DataFrame, column: str, value: str) -> dict[str, Any]:
    rows = frame.filter(pl.col(column) == value).rows(named=True)
    return rows[0] if rows else {}


@dataclass
class EffectSummary:
    run_id: str
    as_of: date
    currency: str
    units_affected: int | None
    claims: int
    units_registered: int
    registration_rate: float | None
    units_remedied: int
    completion_rate: float | None
    offers: int
    offered: Decimal
    paid_claims: int
    paid: Decimal
    reply_by_met: float | None
    overdue: int
    follow_ups: int
    answered: float | None
    average_score: float | None
    folder: Path | None = field(default=None)

    @classmethod
    def of(
        cls, run_id: str, as_of: date, currency: str, frames: dict[str, pl.DataFrame]
    ) -> EffectSummary:
        """The headline figures, read from the report's tables."""
        reach = _row(frames["Reach"], "dimension", "campaign")
        outcome = frames["Outcome"]
        made = _row(outcome, "measure", "offers made")
        paid = _row(outcome, "measure", "offers paid")
        handling = frames["Handling"]
        satisfied = _row(frames["Satisfaction"], "dimension", "campaign")
        return cls(
            run_id=run_id,
            as_of=as_of,
            currency=currency,
            units_affected=reach.get("units_affected"),
            claims=reach.get("claims", 0),
            units_registered=reach.get("units_registered", 0),
            registration_rate=reach.get("registration_rate"),
            units_remedied=reach.get("units_remedied", 0),
            completion_rate=reach.get("completion_rate"),
            offers=made.get("claims", 0),
            offered=made.get("amount") or Decimal(0),
            paid_claims=paid.get("claims", 0),
            paid=paid.get("amount") or Decimal(0),
            reply_by_met=_row(handling, "measure", "decided by the reply-by date").get("share"),
            overdue=_row(handling, "measure", "overdue now (past the latest reply-by)").get(
                "claims", 0
            ),
            follow_ups=satisfied.get("follow_ups", 0),
            answered=satisfied.get("answered_share"),
            average_score=satisfied.get("average_score"),
        )

    def lines(self) -> list[tuple[str, str]]:
        """(what, figure) in the order the artifact and the command line tell them."""
        money = self.currency
        registered = f"{_count(self.units_registered)} ({share(self.registration_rate)})"
        remedied = f"{_count(self.units_remedied)} ({share(self.completion_rate)})"
        rating = "–" if self.average_score is None else f"{self.average_score:.2f}"
        return [
            ("units affected", _count(self.units_affected)),
            ("claims registered", _count(self.claims)),
            ("units registered", registered),
            ("units remedied (paid)", remedied),
            ("offers made", f"{_count(self.offers)} ({money} {self.offered:,.2f})"),
            ("offers paid", f"{_count(self.paid_claims)} ({money} {self.paid:,.2f})"),
            ("reviews decided by the reply-by date", share(self.reply_by_met)),
            ("reviews overdue now (past the latest date promised)", _count(self.overdue)),
            ("payment follow-ups answered", f"{share(self.answered)} of {self.follow_ups:,}"),
            ("average rating (1–5)", rating),
        ]

    def markdown(self) -> str:
        """The Prefect artifact: counts, shares and money only."""
        lines = [f"# Effect report {self.run_id} (as of {self.as_of})", "", "| figure | |"]
        lines.append("|---|---:|")
        lines += [f"| {what} | {figure} |" for what, figure in self.lines()]
        return "\n".join(lines)

    def counts(self) -> dict[str, Any]:
        """The run's record (runs.counts)."""
        return {
            "claims": self.claims,
            "units_registered": self.units_registered,
            "units_remedied": self.units_remedied,
            "offers": self.offers,
            "paid": str(self.paid),
        }


def share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _count(value: int | None) -> str:
    return "not configured" if value is None else f"{value:,}"
