"""`recall status`: the campaign's last runs, rows per state and money position."""

from __future__ import annotations

from dataclasses import dataclass
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


def campaign_status(paths: Paths, campaign: str, last: int = 10) -> Status:
    config = load_config(paths, campaign)
    with database(paths, "status", campaign) as con:
        runs = db.run(con, "cli/last_runs", campaign=campaign, limit=last)
        states = dict(db.run(con, "intake/status_counts", campaign=campaign))
        position, _ = reserve_position(con, config)
        letters = db.scalar(con, "select count(*) from letters where campaign = ?", [campaign])
    return Status(runs, states, position, letters)
