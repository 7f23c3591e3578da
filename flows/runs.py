"""Run records: every flow run is stored with its id, inputs, counts, money totals and status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from flows.config import CampaignConfig, ConfigError, load_campaign
from flows.db import connect, execute, scalar
from flows.lock import exclusive
from flows.runlog import logged
from flows.settings import Paths


class DatabaseBusy(Exception):
    """Another process holds the campaign database."""


@dataclass
class Run:
    """One flow run: its id, the campaign's config and the run's single database connection."""

    run_id: str
    flow: str
    as_of: date
    config: CampaignConfig
    paths: Paths
    con: duckdb.DuckDBPyConnection
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def campaign(self) -> str:
        return self.config.campaign.id


def load_config(paths: Paths, campaign: str) -> CampaignConfig:
    """The validated campaign config; raises ConfigError before any data is touched."""
    if not campaign:
        raise ConfigError("no campaign given")
    return load_campaign(paths.campaign_file(campaign))


def open_database(paths: Paths) -> duckdb.DuckDBPyConnection:
    try:
        return connect(paths.database)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseBusy(
                f"{paths.database} is in use by another recall process; try again when it ends"
            ) from exc
        raise


@contextmanager
def database(paths: Paths, purpose: str, campaign: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """The database for a short command (export, status, top-up), once no run holds it."""
    with exclusive(paths.home, purpose, campaign):
        con = open_database(paths)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def flow_run(flow: str, campaign: str, as_of: date | None) -> Iterator[Run]:
    """A flow's run: as_of defaults to today (the only clock read), config checked first."""
    from prefect.runtime import flow_run as prefect_run

    paths = Paths.from_env()
    config = load_config(paths, campaign)
    with (
        exclusive(paths.home, flow, campaign) as describe,
        open_run(paths, config, flow, as_of or date.today(), prefect_run.id) as run,
    ):
        describe(run.run_id)
        with logged(run):
            yield run


def _next_run_id(con: duckdb.DuckDBPyConnection, campaign: str, as_of: date) -> str:
    count = scalar(
        con, "select count(*) from runs where campaign = ? and as_of = ?", [campaign, as_of]
    )
    return f"{as_of:%Y%m%d}-{count + 1:03d}"


@contextmanager
def open_run(
    paths: Paths, config: CampaignConfig, flow: str, as_of: date, prefect_id: str | None = None
) -> Iterator[Run]:
    """Record the run as running; completed or failed (with the message) when the block ends."""
    con = open_database(paths)
    try:
        run_id = _next_run_id(con, config.campaign.id, as_of)
        execute(
            con,
            "insert into runs (run_id, prefect_flow_run_id, campaign, flow, as_of, status) "
            "values (?, ?, ?, ?, ?, 'running')",
            [run_id, prefect_id, config.campaign.id, flow, as_of],
        )
        run = Run(run_id, flow, as_of, config, paths, con)
        status, message = "completed", None
        try:
            yield run
        except BaseException as exc:
            status, message = "failed", f"{type(exc).__name__}: {exc}"
            with suppress(duckdb.Error):  # no transaction may be open
                execute(con, "rollback")
            raise
        finally:
            execute(
                con,
                "update runs set status = ?, message = ?, counts = ?, "
                "finished_at = current_timestamp where campaign = ? and run_id = ?",
                [status, message, json.dumps(run.counts, default=str), run.campaign, run_id],
            )
            # Prefect keeps task parameters (this Run) alive after the flow; drop the
            # connection so it is freed when closed, not reported as leaked at exit.
            del run.con
    finally:
        con.close()
