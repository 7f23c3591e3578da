"""Requeue (SPEC §4): the quarantined rows of archived customer lists read again as if they
had arrived on the run's as-of day — after an intake run with a wrong as-of, say. Rows that
pass become claims with their original file and line and go through eligibility and dedupe
like any new claim; rows that still fail stay quarantined with their reasons of that day."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.intake.flow import canonical_frame, classify, insert_claims, parse_rows, read_list
from flows.shared import db
from flows.shared.columns import CANONICAL_COLUMNS
from flows.shared.crash import crash_point
from flows.shared.files import FileRejected, sha256_file
from flows.shared.inbox import stage_view
from flows.shared.input_tables import sink_stage
from flows.shared.progress import report
from flows.shared.runs import Run, RunRefused, database, flow_run
from flows.shared.settings import Paths

# quarantine reason codes (sql/intake/parsed_rows.sql): kind:column, or the kind alone
REASON_KINDS = (
    "bad_amount",
    "bad_date",
    "bad_value",
    "future_date",
    "missing_field",
    "negative_amount",
)


class RequeueRefused(RunRefused):
    """What to requeue was not understood, or its archived copy is gone; nothing changed."""


def check_reason(reason: str | None) -> None:
    """A reason code as quarantine gives it (future_date:claim_date), or its kind alone."""
    if reason is None or reason == "no_contact":
        return
    kind, _, column = reason.partition(":")
    if kind in REASON_KINDS and (not column or column in (*CANONICAL_COLUMNS, "field_count")):
        return
    raise RequeueRefused(
        f"--reason {reason!r} is not a quarantine reason: give a code as `recall status` and "
        f"the export show it, such as future_date:claim_date, or its kind alone "
        f"({', '.join(REASON_KINDS)}, no_contact)"
    )


@dataclass(frozen=True)
class RequeuedFile:
    """One archived customer list read again; holds no personal data."""

    file_name: str
    read_again: int
    claims: int
    quarantined: int


@dataclass(frozen=True)
class RequeueSummary:
    run_id: str
    as_of: date
    files: list[RequeuedFile]
    status_counts: dict[str, int]

    @property
    def read_again(self) -> int:
        return sum(f.read_again for f in self.files)

    @property
    def claims(self) -> int:
        return sum(f.claims for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)


def read_archived(run: Run, sha256: str, file_name: str, archived: Path, seq: int) -> None:
    """parsed_rows: the archived copy of one list read and checked again as of the run's day,
    under its original name and ingest order."""
    if not archived.is_file() or sha256_file(archived) != sha256:
        raise RequeueRefused(
            f"{file_name}: its archived copy {archived} is missing or no longer hashes to its "
            f"name; restore the archive from a backup (`recall restore`) and requeue again"
        )
    with tempfile.TemporaryDirectory(dir=run.paths.home) as tmp:
        workdir = Path(tmp)
        try:
            table = read_list(archived, run.config, file_name, workdir)
            frame = canonical_frame(table, run.config, file_name)
            stage, _ = sink_stage(frame, archived, workdir)
        except FileRejected as exc:
            raise RequeueRefused(
                f"{file_name}: {exc}; the campaign's source mapping for it no longer reads it "
                f"as when it was loaded: restore that mapping and requeue again"
            ) from None
        with stage_view(run.con, "stage_rows", stage, Path(file_name), sha256, seq):
            parse_rows(run)


@task(cache_policy=NO_CACHE)
def requeue_rows(run: Run, file: str | None, reason: str | None) -> list[RequeuedFile]:
    """The quarantined rows asked for, file by file, then eligibility and dedupe: all in one
    transaction, so a run killed half-way changed nothing and the next one does it all."""
    con = run.con
    done = []
    with db.transaction(con):
        db.run(con, "intake/requeue_rows", campaign=run.campaign, file_name=file, reason=reason)
        files = db.run(con, "intake/requeue_files", campaign=run.campaign)
        for number, (sha256, name, archived, seq, rows) in enumerate(files, 1):
            report(f"requeue: file {number} of {len(files)}")
            read_archived(run, sha256, name, Path(archived), seq)
            db.run(con, "intake/requeue_parsed_rows")
            [(passed,)] = db.run(con, "intake/parsed_rows_passed")
            insert_claims(run)
            db.run(con, "intake/requeue_quarantine", campaign=run.campaign, run_id=run.run_id)
            db.run(con, "intake/requeue_quarantine_cleared", campaign=run.campaign)
            done.append(RequeuedFile(name, rows, passed, rows - passed))
            crash_point("requeue:file")
        classify(run)
    return done


def known_file(con: duckdb.DuckDBPyConnection, campaign: str, file: str) -> None:
    """Refuse a file name no customer list of the campaign was loaded under."""
    names = [name for (name,) in db.run(con, "intake/loaded_list_names", campaign=campaign)]
    if file not in names:
        listed = ", ".join(names[:10]) + (", …" if len(names) > 10 else "")
        raise RequeueRefused(
            f"no customer list named {file!r} was loaded for {campaign}; "
            f"give --file as the file was named in the inbox ({listed or 'none loaded yet'})"
        )


@flow(name="requeue")
def requeue(
    campaign: str,
    as_of: date | None = None,
    file: str | None = None,
    reason: str | None = None,
    allow_backdate: bool = False,
    allow_future: bool = False,
) -> RequeueSummary:
    """Quarantined rows of archived customer lists → read again as of `as_of` → claims, or
    quarantine with that day's reasons. Only those of `file` (its name as dropped in the
    inbox) and/or with `reason` (a code such as future_date:claim_date, or its kind) when
    given. `allow_backdate` / `allow_future`: the as-of guards (`shared.runs`)."""
    check_reason(reason)
    if file is not None:  # refused before a run is recorded
        with database(Paths.from_env(), "requeue", campaign) as con:
            known_file(con, campaign, file)
    with flow_run("requeue", campaign, as_of, allow_backdate, allow_future) as run:
        files = requeue_rows(run, file, reason)
        crash_point("requeue:classified")
        statuses = dict(db.run(run.con, "intake/status_counts", campaign=run.campaign))
        run.counts.update(
            read_again=sum(f.read_again for f in files),
            claims=sum(f.claims for f in files),
            states=statuses,
        )
        return RequeueSummary(run.run_id, run.as_of, files, statuses)
