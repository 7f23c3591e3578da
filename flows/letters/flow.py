"""Letters flow (SPEC §6): offers, acknowledgements and rejections, once each, approved only."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows.letters.approvals import TemplateNotApproved, template_files, verify
from flows.letters.batches import Batch, exit_with_parent, write_batch
from flows.scale.partitions import (
    Partitioning,
    discard_plan,
    discard_stale_plans,
    letters_in_partitions,
)
from flows.shared import db
from flows.shared.backup import DATABASE_BEHIND, DatabaseBehind, restore_hint
from flows.shared.config import CampaignConfig
from flows.shared.crash import crash_point
from flows.shared.files import atomic_path, owner_only
from flows.shared.progress import report
from flows.shared.runs import Run, flow_run
from flows.shared.settings import templates_dir

# below this many letters, rendering in this process beats starting worker processes
# (about 1.5 s to spawn two workers; about 3,000 letters/s rendered per process)
IN_PROCESS_LETTERS = 5_000

MANIFEST_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "letter_id": pl.String,
    "claim_id": pl.String,
    "kind": pl.String,
    "offer_version": pl.Int32,
    "language": pl.String,
    "channel": pl.String,
    "path": pl.String,
    "line": pl.Int32,
    "pages": pl.String,
    "sha256": pl.String,
    "template_sha256": pl.String,
    "total": pl.Decimal(18, 2),
}


@dataclass(frozen=True)
class LettersSummary:
    """Counts of letters written by one run; holds no personal data."""

    run_id: str
    counts: dict[tuple[str, str, str], int]  # (kind, channel, language) → letters
    folder: Path | None
    warning: str | None = None  # a template not approved, while no letter was due


def template_set_sha256(shas: dict[str, str], language: str) -> str:
    """One sha256 for all templates a language's letters use (its own and the shared ones)."""
    joined = "\n".join(
        f"{k} {v}"
        for k, v in sorted(shas.items())
        if k.startswith(f"letters/{language}/") or k.count("/") == 1  # shared: in letters/
    )
    return hashlib.sha256(joined.encode()).hexdigest()


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
    unrecorded = {
        run_id
        for (run_id,) in run.con.execute(
            "select run_id from letter_folders as f where campaign = ? and not exists "
            "(select 1 from letters as l where l.campaign = f.campaign and l.run_id = f.run_id)",
            [run.campaign],
        ).fetchall()
    }
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
        raise LettersUnknown(
            f"{own}: this run's letters folder exists already, but {DATABASE_BEHIND}: "
            f"{restore_hint(run.paths)}"
        )
    manifests = sorted(str(m) for m in root.glob("*/manifest.parquet"))
    if not manifests:
        return
    unknown = db.run(run.con, "letters/letters_unknown", manifests=manifests)
    if unknown:
        manifest, count, first = unknown[0]
        more = f" and {len(unknown) - 1} more run(s)" if len(unknown) > 1 else ""
        raise LettersUnknown(
            f"{Path(manifest).parent}{more}: {count:,} letters (e.g. {first}) were written, "
            f"but {DATABASE_BEHIND}: {restore_hint(run.paths)}"
        )


def make_run_folder(run: Run) -> Path:
    """The run's letters folder, recorded as made by this database before it is made."""
    db.execute(
        run.con,
        "insert into letter_folders values (?, ?) on conflict do nothing",
        [run.campaign, run.run_id],
    )
    owner_only(run.paths.out(run.campaign, "letters"))
    return owner_only(run.paths.out(run.campaign, "letters") / run.run_id)


@dataclass(frozen=True)
class Letters:
    """Letter rows a task hands back whole. Prefect links a task's result to its run one level
    deep: a bare list would link every row (about 3 s per 100,000 letters), this links one."""

    rows: list[dict[str, Any]]


@task(cache_policy=NO_CACHE)
def letters_due(run: Run) -> Letters:
    """Letters not yet written, one per (claim, kind, offer version) (SQL)."""
    cursor = run.con.execute(db.sql_text("letters/letters_due"), {"campaign": run.campaign})
    columns = [d[0] for d in cursor.description or []]
    return Letters([dict(zip(columns, values, strict=True)) for values in cursor.fetchall()])


def batch_template(
    config: CampaignConfig, folder: Path, letter_date: date, shas: dict[str, str]
) -> Batch:
    """What every batch of one run shares: campaign texts, locales, templates, dates."""
    c = config
    return Batch(
        number=0,
        channel="",
        folder=folder,
        templates_dir=templates_dir(),
        letter_date=letter_date,
        campaign={
            "texts": {lang: c.local_text(lang).model_dump() for lang in c.campaign.languages},
            "hotline": c.campaign.hotline,
            "claim_deadline": c.campaign.claim_deadline,
            "currency": c.campaign.currency,
        },
        locales={lang: c.babel_locale(lang) for lang in c.campaign.languages},
        template_sha256={lang: template_set_sha256(shas, lang) for lang in c.campaign.languages},
        payment_days=c.letters.payment_within_days,
        reply_within_days=c.review.reply_within_days,
        evidence_to=c.letters.evidence_to,
    )


def plan_batches(
    run: Run, due: list[dict[str, Any]], shas: dict[str, str], batch_size: int | None = None
) -> list[Batch]:
    """The run's letters cut into numbered batches, per channel: `batch_size` letters each, or
    the campaign's `[letters] batch_size` (`pdf_batch_pages` for post)."""
    c = run.config
    folder = run.paths.out(run.campaign, "letters") / run.run_id
    template = batch_template(c, folder, run.as_of, shas)
    batches: list[Batch] = []
    for channel in ("email", "post", "sms"):
        rows = [r for r in due if r["channel"] == channel]
        size = batch_size or (
            c.letters.pdf_batch_pages if channel == "post" else c.letters.batch_size
        )
        for start in range(0, len(rows), size):
            batches.append(
                replace(
                    template,
                    number=len(batches) + 1,
                    channel=channel,
                    letters=rows[start : start + size],
                )
            )
    return batches


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def render_letters(batches: list[Batch]) -> Letters:
    """Render and write the batches across worker processes on this machine; their manifest
    rows."""
    return Letters(write_batches(batches))


class Sealed:
    """A batch handed to a task as one opaque value. Prefect walks a task's parameters looking
    for futures, into dataclasses and every letter of them; on Dask it did so several times
    per batch, in the run and on the worker (about 2 ms of CPU per post letter in all, measured
    with 2,000). Prefect walks lists, dicts, dataclasses and models, not this."""

    __slots__ = ("batch",)

    def __init__(self, batch: Batch) -> None:
        self.batch = batch


@task(cache_policy=NO_CACHE, retries=1, retry_delay_seconds=1)
def render_batch(sealed: Sealed) -> Letters:
    """Render and write one batch wherever a Dask worker runs it; its manifest rows."""
    return Letters(write_batch(sealed.batch))


def render_on_dask(batches: list[Batch], address: str | None) -> Letters:
    """One Prefect task per batch on a Dask cluster: the scheduler at `address`, or a
    `LocalCluster` of one worker process per core started for this run.

    Workers write into the run's folder themselves, so on other hosts that folder must be on
    storage every host mounts at the same path (docs/scale-out.md). Rows come back in batch
    order, whichever worker finishes first.
    """
    from prefect_dask import DaskTaskRunner
    from prefect_dask.task_runners import PrefectDaskFuture

    runner = (
        DaskTaskRunner(address=address)
        if address
        else DaskTaskRunner(
            cluster_kwargs={
                "n_workers": os.cpu_count() or 1,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            }
        )
    )
    with runner:
        # submitted as impure: Dask would otherwise hash every letter for a task key
        futures = [
            PrefectDaskFuture[Letters](wrapped_future=f, task_run_id=f.task_run_id)
            for f in (
                runner.client.submit(
                    render_batch,
                    parameters={"sealed": Sealed(b)},
                    return_type="state",
                    pure=False,
                )
                for b in batches
            )
        ]
        return Letters(_collect((f.result().rows for f in futures), len(batches)))


def write_batches(batches: list[Batch]) -> list[dict[str, Any]]:
    """Write the batches across one worker process per core; manifest rows in batch order.

    Workers are spawned (no fork of Prefect's threads) and import only the batch writer. A
    small run is written in this process: starting workers costs more than it saves.
    """
    if not batches:
        return []
    for folder in {b.folder for b in batches}:
        owner_only(folder)  # here, not in the workers (see letter_batches.write_batch)
    workers = min(len(batches), os.cpu_count() or 1)
    if workers == 1 or sum(len(b.letters) for b in batches) < IN_PROCESS_LETTERS:
        return _collect(map(write_batch, batches), len(batches))
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=spawn, initializer=exit_with_parent) as pool:
        return _collect(pool.map(write_batch, batches), len(batches))


def _collect(written: Iterator[list[dict[str, Any]]], batches: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for number, batch_rows in enumerate(written, 1):
        rows.extend(batch_rows)
        report(f"letters: batch {number} of {batches} written ({len(rows):,} letters)")
        crash_point("letters:batch")  # some batches written, others not
    return rows


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


RUNNERS = ("process", "dask")


@flow(name="letters")
def letters(
    campaign: str,
    as_of: date | None = None,
    runner: str = "process",
    dask_address: str | None = None,
    batch_size: int | None = None,
    partitions: int | None = None,
    partition_by: str = "hash",
    work_pool: str | None = None,
    allow_backdate: bool = False,
    allow_future: bool = False,
) -> LettersSummary:
    """Offers, acknowledgements and rejections not yet sent → approved templates → files.

    `runner`: `process` renders on this machine's cores; `dask` on the Dask scheduler at
    `dask_address`, or on a local Dask cluster when none is given. The letters are the same.
    With `partitions` (hash of the claim id) or `partition_by="region"`, each partition's
    letters are rendered by a partition run — on `work_pool`'s workers, else here — and their
    manifests merged (docs/scale-out.md). `allow_backdate` / `allow_future` let the run's
    as-of pass the as-of guards (flows.shared.runs).
    """
    if runner not in RUNNERS:
        raise ValueError(f"runner must be one of {', '.join(RUNNERS)}, not {runner!r}")
    partitioning = Partitioning.of(partitions, partition_by, work_pool, runner)
    with flow_run("letters", campaign, as_of, allow_backdate, allow_future) as run:
        due = letters_due(run)
        templates = approved_templates(run, len(due.rows))
        shas = templates.shas
        discard_unrecorded(run)
        discard_stale_plans(run)
        if due.rows:  # before any worker writes into it
            check_letters_on_disk(run)
            make_run_folder(run)
        if partitioning:
            rows = letters_in_partitions(run, due.rows, shas, batch_size, partitioning)
            written = Letters(rows)
        else:
            batches = plan_batches(run, due.rows, shas, batch_size)
            if runner == "dask" and batches:
                written = render_on_dask(batches, dask_address)
            else:
                # quote(): Prefect would otherwise walk every letter looking for futures
                written = render_letters(quote(batches))  # type: ignore[call-overload]
        crash_point("letters:written")
        folder = record_letters(run, quote(written))  # type: ignore[call-overload]
        if partitioning:
            discard_plan(run, "letters")
        counts = Counter((r["kind"], r["channel"], r["language"]) for r in written.rows)
        run.counts.update(letters={"/".join(k): v for k, v in sorted(counts.items())})
        return LettersSummary(run.run_id, dict(counts), folder, templates.unapproved)
