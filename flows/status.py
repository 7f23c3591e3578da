"""`recall status`: the campaign's last runs, rows per state and money position."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flows import db
from flows.lock import exclusive
from flows.runs import load_config, open_database
from flows.settings import Paths


@dataclass(frozen=True)
class Status:
    runs: list[tuple[Any, ...]]
    states: dict[str, int]
    available: Decimal
    offered: Decimal
    held_back: Decimal
    letters: int

    @property
    def headroom(self) -> Decimal:
        return self.available - self.offered - self.held_back


def campaign_status(paths: Paths, campaign: str, last: int = 10) -> Status:
    config = load_config(paths, campaign)
    with exclusive(paths.home, "status", campaign):
        con = open_database(paths)
        try:
            runs = db.run(con, "status/last_runs", campaign=campaign, limit=last)
            states = dict(db.run(con, "intake/status_counts", campaign=campaign))
            top_ups, offered, held_back, _, _ = db.run(
                con, "compensate/reserve_position", campaign=campaign
            )[0]
            letters = db.scalar(con, "select count(*) from letters where campaign = ?", [campaign])
        finally:
            con.close()
    return Status(runs, states, config.campaign.reserve + top_ups, offered, held_back, letters)
