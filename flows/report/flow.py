"""Report flow (SPEC §12): the effect evaluation and the periodic recall progress report of a
campaign as of a day, from the database as the night left it; it changes no claim, offer or
payment (its run is recorded, as every flow's)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.report.metrics import Parameters, progress, tables
from flows.report.outputs import write_outputs
from flows.report.summary import EffectSummary
from flows.shared.runs import Run, flow_run


@task(cache_policy=NO_CACHE)
def figures(run: Run) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Every table of the effect report, and the progress report by [report] period."""
    p = Parameters.of(run.config, run.as_of)
    frames = tables(run.con, p)
    return frames, progress(run.con, p)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def write(
    run: Run, frames: dict[str, pl.DataFrame], periods: pl.DataFrame, summary: EffectSummary
) -> Path:
    return write_outputs(run, frames, periods, summary)


@task(cache_policy=NO_CACHE)
def publish(summary: EffectSummary, periods: pl.DataFrame) -> None:
    """Prefect artifacts: the headline figures and the progress rows (counts only)."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_markdown_artifact(
        summary.markdown(), key="effect-summary", description="Effect of the compensation"
    )
    create_table_artifact(
        [
            {k: "" if v is None else str(v) for k, v in row.items()}
            for row in periods.iter_rows(named=True)
        ],
        key="recall-progress",
        description="Recall progress report, one row per period (cumulative)",
    )


@flow(name="report")
def report(
    campaign: str,
    as_of: date | None = None,
    allow_backdate: bool = False,
    allow_future: bool = False,
) -> EffectSummary:
    """The effect report (effect.html, effect.xlsx, effect_*.csv) and the progress report
    (progress.csv, progress.html) in out/<c>/reports/<as_of>/, and their artifacts.

    `allow_backdate` / `allow_future` let the run's as-of pass the as-of guards (`shared.runs`)."""
    with flow_run("report", campaign, as_of, allow_backdate, allow_future) as run:
        frames, periods = figures(run)
        summary = EffectSummary.of(run.run_id, run.as_of, run.config.campaign.currency, frames)
        summary.folder = write(run, frames, periods, summary)
        run.counts = summary.counts()
    publish(summary, periods)
    return summary
