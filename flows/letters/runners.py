"""Letters rendered in batches (SPEC §6, §10): the run's letters cut into numbered batches,
written across this machine's cores or on a Dask cluster; each batch's manifest rows."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.letters.batches import Batch, exit_with_parent, write_batch
from flows.shared.config import CampaignConfig
from flows.shared.crash import crash_point
from flows.shared.files import owner_only
from flows.shared.progress import report
from flows.shared.runs import Run
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
class Letters:
    """Letter rows a task hands back whole. Prefect links a task's result to its run one level
    deep: a bare list would link every row (about 3 s per 100,000 letters), this links one."""

    rows: list[dict[str, Any]]


def template_set_sha256(shas: dict[str, str], language: str) -> str:
    """One sha256 for all templates a language's letters use (its own and the shared ones)."""
    joined = "\n".join(
        f"{k} {v}"
        for k, v in sorted(shas.items())
        if k.startswith(f"letters/{language}/") or k.count("/") == 1  # shared: in letters/
    )
    return hashlib.sha256(joined.encode()).hexdigest()


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
            "sms_link": c.letters.sms_link,
            "claim_deadline": c.campaign.claim_deadline,
            "currency": c.campaign.currency,
        },
        locales={lang: c.babel_locale(lang) for lang in c.campaign.languages},
        template_sha256={lang: template_set_sha256(shas, lang) for lang in c.campaign.languages},
        payment_days=c.letters.payment_within_days,
        reply_within_days=c.review.reply_within_days,
        evidence_to=c.letters.evidence_to,
        sender=c.letters.sender.model_dump(mode="json") if c.letters.sender else None,
        payment_method=dict(c.payments.method),
        accept_within_days=(
            c.payments.accept_within_days if c.payments.require_acceptance else None
        ),
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
