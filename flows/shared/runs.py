"""Run records: every flow run is stored with its id, inputs, counts, money totals and status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb

from flows.shared import db
from flows.shared.config import CampaignConfig, ConfigError, load_campaign
from flows.shared.db import connect, execute
from flows.shared.lock import exclusive
from flows.shared.runlog import logged
from flows.shared.settings import Paths


class DatabaseBusy(Exception):
    """Another process holds the campaign database."""


class DatabaseUnreadable(Exception):
    """The database file is damaged, truncated or not ours: restore a backup."""


class RunRefused(Exception):
    """What the operator asked of a run cannot be done as asked; nothing was touched (the
    command line exits 2)."""


class AsOfRefused(RunRefused):
    """The run's as-of date is not one the campaign can run on."""


def check_as_of(
    campaign: str,
    as_of: date,
    announced_on: date,
    latest: date | None,
    today: date,
    *,
    backdate: bool = False,
    future: bool = False,
) -> None:
    """The as-of guards (SPEC §8), in one place for every flow: a run may not go back before
    the campaign's latest run (`latest`, None before the first) or its announcement unless
    `backdate`, nor more than a day past `today` (a day's leeway for time zones) unless
    `future`. Raises AsOfRefused with the one line an operator needs."""
    if not backdate and latest is not None and as_of < latest:
        raise AsOfRefused(
            f"as-of {as_of} is earlier than {campaign}'s latest run (as of {latest}): runs do "
            f"not go back in time (to read quarantined rows again as of another day, use "
            f"`recall requeue --campaign {campaign} --as-of YYYY-MM-DD`); to run as of {as_of} "
            f"all the same give --allow-backdate (allow_backdate in the Prefect UI)"
        )
    if not backdate and as_of < announced_on:
        raise AsOfRefused(
            f"as-of {as_of} is before {campaign} was announced ({announced_on}): check the "
            f"date, or give --allow-backdate (allow_backdate in the Prefect UI) to run as of "
            f"it all the same"
        )
    if not future and as_of > today + timedelta(days=1):
        raise AsOfRefused(
            f"as-of {as_of} is more than a day after today ({today}): check the date, or give "
            f"--allow-future (allow_future in the Prefect UI) to run as of it all the same"
        )


def refuse_wrong_as_of(
    con: duckdb.DuckDBPyConnection,
    config: CampaignConfig,
    as_of: date,
    *,
    backdate: bool = False,
    future: bool = False,
) -> None:
    """check_as_of against the campaign's recorded runs and today's date."""
    campaign = config.campaign
    [(latest,)] = db.run(con, "shared/latest_as_of", campaign=campaign.id)
    today = date.today()  # only to tell a date in the future
    check_as_of(
        campaign.id, as_of, campaign.announced_on, latest, today, backdate=backdate, future=future
    )


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


class RestoreUnfinished(DatabaseBusy):
    """A `recall restore` was stopped before it ended: the database is not to be used."""


def open_database(paths: Paths) -> duckdb.DuckDBPyConnection:
    if paths.restore_journal.exists():
        try:
            source = json.loads(paths.restore_journal.read_text(encoding="utf-8"))["from"]
        except (OSError, ValueError, KeyError, TypeError):
            source = "DIR"
        raise RestoreUnfinished(
            f"a restore of {paths.database} from {source} did not finish: run "
            f"`recall restore --from {source}` again; nothing was changed"
        )
    try:
        return connect(paths.database)
    except duckdb.Error as exc:
        if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
            raise DatabaseBusy(
                f"{paths.database} is in use by another recall process; try again when it ends"
            ) from exc
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatabaseUnreadable(
            f"{paths.database}: cannot be read as a recall database ({reason}); nothing was "
            f"changed. If it is damaged, put the last good backup back with "
            f"`recall restore --from DIR` (backups in {paths.backups})"
        ) from exc


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
def flow_run(
    flow: str,
    campaign: str,
    as_of: date | None,
    allow_backdate: bool = False,
    allow_future: bool = False,
) -> Iterator[Run]:
    """A flow's run: as_of defaults to today (the only clock read), config checked first,
    then the as-of guards (check_as_of, with the operator's allowances) before anything is
    recorded."""
    from prefect.runtime import flow_run as prefect_run

    paths = Paths.from_env()
    config = load_config(paths, campaign)
    allowed = {"backdate": allow_backdate, "future": allow_future}
    with (
        exclusive(paths.home, flow, campaign) as describe,
        open_run(paths, config, flow, as_of or date.today(), prefect_run.id, **allowed) as run,
    ):
        describe(run.run_id)
        with logged(run):
            yield run


def _next_run_id(con: duckdb.DuckDBPyConnection, campaign: str, as_of: date) -> str:
    [(count,)] = db.run(con, "shared/runs_of_day", campaign=campaign, as_of=as_of)
    return f"{as_of:%Y%m%d}-{count + 1:03d}"


@contextmanager
def open_run(
    paths: Paths,
    config: CampaignConfig,
    flow: str,
    as_of: date,
    prefect_id: str | None = None,
    *,
    backdate: bool = False,
    future: bool = False,
) -> Iterator[Run]:
    """Record the run as running; completed or failed (with the message) when the block ends.
    A run the as-of guards refuse (refuse_wrong_as_of, with the operator's allowances) is not
    recorded."""
    con = open_database(paths)
    try:
        refuse_wrong_as_of(con, config, as_of, backdate=backdate, future=future)
        run_id = _next_run_id(con, config.campaign.id, as_of)
        db.run(
            con,
            "shared/run_started",
            run_id=run_id,
            prefect_flow_run_id=prefect_id,
            campaign=config.campaign.id,
            flow=flow,
            as_of=as_of,
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
            db.run(
                con,
                "shared/run_finished",
                status=status,
                message=message,
                counts=json.dumps(run.counts, default=str),
                campaign=run.campaign,
                run_id=run_id,
            )
            # Prefect keeps task parameters (this Run) alive after the flow; drop the
            # connection so it is freed when closed, not reported as leaked at exit.
            del run.con
    finally:
        con.close()
