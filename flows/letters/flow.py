"""Letters flow (SPEC §6): offers, acknowledgements and rejections, once each, approved only."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows.letters.approvals import TemplateNotApproved, template_files, verify
from flows.letters.partitions import letters_in_partitions
from flows.letters.runners import (
    MANIFEST_SCHEMA,
    Letters,
    plan_batches,
    render_letters,
    render_on_dask,
)
from flows.scale.options import ON_THIS_MACHINE, RunOptions
from flows.scale.plans import discard_plan, discard_stale_plans
from flows.shared import db
from flows.shared.backup import DatabaseBehind, database_behind
from flows.shared.crash import crash_point
from flows.shared.files import atomic_path, owner_only
from flows.shared.runs import Run, flow_run
from flows.shared.settings import templates_dir


@dataclass(frozen=True)
class LettersSummary:
    """Counts of letters written by one run; holds no personal data."""

    run_id: str
    counts: dict[tuple[str, str, str], int]  # (kind, channel, language) → letters
    folder: Path | None
    warning: str | None = None  # a template not approved, while no letter was due


@dataclass(frozen=True)
class Templates:
    shas: dict[str, str]  # every letter template → its sha256
    unapproved: str | None  # why one may not be used, when no letter is due


@task(cache_policy=NO_CACHE)
def approved_templates(run: Run, due: int) -> Templates:
    """sha256 of every letter template; with letters due, refuses an unapproved one before
    anything is written. With none due nothing is rendered from it: a warning, not a failure."""
    try:
        return Templates(verify(templates_dir(), run.paths.config_dir / "approvals.toml"), None)
    except TemplateNotApproved as exc:
        if due:
            raise
        warning = f"no letter due, none refused, but {exc}"
        get_run_logger().warning("letters: %s", warning)
        return Templates(template_files(templates_dir()), warning)


class LettersUnknown(DatabaseBehind):
    """Letters on disk the database does not know (none is deleted)."""


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def discard_unrecorded(run: Run) -> int:
    """Remove letter folders of earlier runs that died before recording them (never sent).

    Their letters are still due, so this run writes them again; without this they would be
    on disk twice. Safe because only one run holds the data home at a time. Only folders this
    database made (letter_folders) are removed: a folder it does not know is never deleted.
    """
    root = run.paths.out(run.campaign, "letters")
    if not root.is_dir():
        return 0
    folders = db.rows(run.con, "letters/letter_folders_unrecorded", campaign=run.campaign)
    unrecorded = {folder["run_id"] for folder in folders}
    stale = [f for f in root.iterdir() if f.is_dir() and f.name in unrecorded]
    for folder in stale:
        shutil.rmtree(folder)
    return len(stale)


@task(cache_policy=NO_CACHE)
def check_letters_on_disk(run: Run) -> None:
    """Raise LettersUnknown when a manifest on disk lists letters the database does not know,
    or this run's folder exists already (SPEC §9): before any letter is written."""
    root = run.paths.out(run.campaign, "letters")
    if not root.is_dir():
        return
    own = root / run.run_id
    if own.exists():
        found = "this run's letters folder exists already"
        raise database_behind(LettersUnknown, [own], found, "run", run.paths)
    manifests = sorted(str(m) for m in root.glob("*/manifest.parquet"))
    if not manifests:
        return
    unknown = db.rows(run.con, "letters/letters_unknown", manifests=manifests)
    if unknown:
        first = unknown[0]
        found = f"{first['letters']:,} letters (e.g. {first['first_letter']}) were written"
        runs = [Path(row["manifest"]).parent for row in unknown]
        raise database_behind(LettersUnknown, runs, found, "run", run.paths)


def make_run_folder(run: Run) -> Path:
    """The run's letters folder, recorded as made by this database before it is made."""
    db.run(run.con, "letters/letter_folders", campaign=run.campaign, run_id=run.run_id)
    owner_only(run.paths.out(run.campaign, "letters"))
    return owner_only(run.paths.out(run.campaign, "letters") / run.run_id)


def due_params(run: Run) -> dict[str, Any]:
    """The parameters of sql/letters/letters_due.sql: the run's campaign and day, and the
    campaign's rules for deficiencies, follow-ups, replies and acceptance."""
    config = run.config
    return {
        "campaign": run.campaign,
        "as_of": run.as_of,
        "curable": config.deficiency.curable,
        "cure_within_days": config.deficiency.cure_within_days,
        "claim_deadline": config.campaign.claim_deadline,
        "follow_up_days": config.follow_up.after_days,
        "reply_within_days": config.review.reply_within_days,
        "require_acceptance": config.payments.require_acceptance,
        "accept_within_days": config.payments.accept_within_days,
    }


@task(cache_policy=NO_CACHE)
def letters_due(run: Run) -> Letters:
    """Letters not yet written, one per (claim, kind, offer version) (SQL)."""
    return Letters(db.rows(run.con, "letters/letters_due", **due_params(run)))


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def record_letters(run: Run, written: Letters) -> Path | None:
    """Store the letters written and the run's manifest (CSV + Parquet)."""
    rows = written.rows
    if not rows:
        return None
    manifest = pl.DataFrame(
        [{k: r[k] for k in MANIFEST_SCHEMA} for r in rows], schema=MANIFEST_SCHEMA
    ).sort("letter_id")
    folder = run.paths.out(run.campaign, "letters") / run.run_id
    with atomic_path(folder / "manifest.parquet", mode=0o600) as tmp:
        manifest.write_parquet(tmp)
    with atomic_path(folder / "manifest.csv", mode=0o600) as tmp:
        manifest.write_csv(tmp)
    crash_point("letters:manifest")
    run.con.register("manifest_rows", manifest)
    with db.transaction(run.con):
        db.run(run.con, "letters/letters", campaign=run.campaign, run_id=run.run_id)
    run.con.unregister("manifest_rows")
    return folder


def write_letters(
    run: Run, due: list[dict[str, Any]], shas: dict[str, str], options: RunOptions
) -> Letters:
    """The due letters written in partitions, on Dask, or on this machine's cores."""
    if options.partitioned:
        return Letters(letters_in_partitions(run, due, shas, options))
    batches = plan_batches(run, due, shas, options.batch_size)
    if options.runner == "dask" and batches:
        return render_on_dask(batches, options.dask_address)
    # quote(): Prefect would otherwise walk every letter looking for futures
    written: Letters = render_letters(quote(batches))  # type: ignore[call-overload]
    return written


@flow(name="letters")
def letters(
    campaign: str,
    as_of: date | None = None,
    options: RunOptions = ON_THIS_MACHINE,
    allow_backdate: bool = False,
    allow_future: bool = False,
) -> LettersSummary:
    """Offers, acknowledgements and rejections not yet sent → approved templates → files.

    `options.runner`: `process` renders on this machine's cores; `dask` on the Dask scheduler
    at `options.dask_address`, or on a local Dask cluster when none is given. The letters are
    the same. With `options.partitions` (hash of the claim id) or `partition_by="region"`, each
    partition's letters are rendered by a partition run — on `options.work_pool`'s workers,
    else here — and their manifests merged (docs/scale-out.md). `allow_backdate` /
    `allow_future` let the run's as-of pass the as-of guards (flows.shared.runs).
    """
    with flow_run("letters", campaign, as_of, allow_backdate, allow_future) as run:
        due = letters_due(run)
        templates = approved_templates(run, len(due.rows))
        discard_unrecorded(run)
        discard_stale_plans(run)
        if due.rows:  # before any worker writes into it
            check_letters_on_disk(run)
            make_run_folder(run)
        written = write_letters(run, due.rows, templates.shas, options)
        crash_point("letters:written")
        folder = record_letters(run, quote(written))  # type: ignore[call-overload]
        if options.partitioned:
            discard_plan(run, "letters")
        counts = Counter((r["kind"], r["channel"], r["language"]) for r in written.rows)
        run.counts.update(letters={"/".join(k): v for k, v in sorted(counts.items())})
        return LettersSummary(run.run_id, dict(counts), folder, templates.unapproved)
