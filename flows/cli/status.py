"""`recall status`: the campaign's last runs, rows per state, money and payment position, open
exceptions, reviews waiting and where the latest reports are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.shared import db
from flows.shared.budget import Position, reserve_position
from flows.shared.runs import database, load_config
from flows.shared.settings import Paths


@dataclass(frozen=True)
class Status:
    runs: list[tuple[Any, ...]]
    states: dict[str, int]
    position: Position
    letters: int
    currency: str
    payments: dict[str, Any]
    exceptions: list[tuple[str, int, Any]]
    reviews: dict[str, Any]
    reply_within_days: int
    reconciliation_report: Path | None  # relative to the data home
    review_queue: list[Path]  # relative to the data home


def latest_report(paths: Paths, campaign: str) -> Path | None:
    """The reconciliation report of the latest as-of date that has one (folders are ISO dates)."""
    folder = paths.out(campaign, "reports")
    found = sorted(folder.glob("*/reconciliation.html")) if folder.is_dir() else []
    return found[-1].relative_to(paths.home) if found else None


def campaign_status(paths: Paths, campaign: str, last: int = 10) -> Status:
    config = load_config(paths, campaign)
    reply_days = config.review.reply_within_days
    with database(paths, "status", campaign) as con:
        runs = db.run(con, "cli/last_runs", campaign=campaign, limit=last)
        states = dict(db.run(con, "intake/status_counts", campaign=campaign))
        position, _ = reserve_position(con, config)
        letters = db.scalar(con, "select count(*) from letters where campaign = ?", [campaign])
        payments = db.rows(con, "cli/payment_position", campaign=campaign)[0]
        terms = config.payments.terms_days
        exceptions = db.run(con, "cli/open_exceptions", campaign=campaign, terms_days=terms)
        # the clock is never read: reviews are aged at the as-of date of the campaign's last run
        as_of = db.scalar(con, "select max(as_of) from runs where campaign = ?", [campaign])
        reviews = db.rows(
            con, "cli/reviews_waiting", campaign=campaign, as_of=as_of, reply_within_days=reply_days
        )[0]
    queue = paths.out(campaign, "review")
    return Status(
        runs=runs,
        states=states,
        position=position,
        letters=letters,
        currency=config.campaign.currency,
        payments=payments,
        exceptions=[tuple(row) for row in exceptions],
        reviews=reviews,
        reply_within_days=reply_days,
        reconciliation_report=latest_report(paths, campaign),
        review_queue=[
            (queue / name).relative_to(paths.home)
            for name in ("queue.xlsx", "queue.csv")
            if (queue / name).exists()
        ],
    )
