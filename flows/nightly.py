"""Nightly flow (SPEC §8): intake → review decisions and compensation → letters → reconcile,
as subflows over everything new in the inbox, with one run summary at the end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from prefect import flow

from flows.crash import crash_point
from flows.lock import exclusive
from flows.progress import report
from flows.runlog import run_logger
from flows.settings import Paths

STEPS = ("intake", "compensate", "letters", "reconcile")


@dataclass
class NightlySummary:
    """One line per step; counts and money only (no personal data)."""

    campaign: str
    as_of: date
    steps: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)  # step → that flow's summary
    failed: str | None = None  # the step that stopped the night, with its message

    def markdown(self) -> str:
        lines = [f"# Nightly {self.campaign} {self.as_of}", "", "| step | run | outcome |"]
        lines.append("|---|---|---|")
        lines += [f"| {s['step']} | {s['run_id']} | {s['outcome']} |" for s in self.steps]
        if self.failed:
            lines += ["", f"**stopped:** {self.failed}"]
        return "\n".join(lines)


def _outcome(step: str, result: Any) -> str:
    if step == "intake":
        loaded = sum(1 for f in result.files if f.status == "loaded")
        return f"{loaded} new files, {sum(result.status_counts.values()):,} claims in all"
    if step == "compensate":
        made = f"{result.offers_made:,} offers ({result.offered_in_run:,.2f})"
        return f"{made}, {result.pending_reviews:,} in review"
    if step == "letters":
        return f"{sum(result.counts.values()):,} letters"
    alerts = ", ".join(a.code for a in result.alerts) or "no alerts"
    loaded = sum(1 for f in result.files if f.status == "loaded")
    return f"{loaded} new payout files, {result.reissued} reissued, {alerts}"


def run_steps(
    campaign: str, as_of: date, options: dict[str, dict[str, Any]] | None = None
) -> NightlySummary:
    """Every step in order; a failed step ends the night for this campaign (the error is kept).

    `options`: parameters of a step's flow beyond campaign and as_of, by step."""
    from flows.compensate import compensate
    from flows.intake import intake
    from flows.letters import letters
    from flows.reconcile import reconcile

    summary = NightlySummary(campaign, as_of)
    logger = run_logger()
    flows: tuple[Callable[..., Any], ...] = (intake, compensate, letters, reconcile)
    for number, (step, step_flow) in enumerate(zip(STEPS, flows, strict=True), 1):
        report(f"step {number} of {len(STEPS)}, {step}")
        try:
            result = step_flow(campaign=campaign, as_of=as_of, **(options or {}).get(step, {}))
        except Exception as exc:
            summary.failed = f"{step}: {exc}"
            summary.steps.append({"step": step, "run_id": "-", "outcome": f"failed: {exc}"})
            # the message may quote a file's cells: it stays in the summary, not the log
            logger.info("step %d of %d, %s: failed", number, len(STEPS), step)
            break
        summary.results[step] = result
        outcome = _outcome(step, result)
        summary.steps.append({"step": step, "run_id": result.run_id, "outcome": outcome})
        logger.info(
            "step %d of %d, %s: %s (run %s)", number, len(STEPS), step, outcome, result.run_id
        )
        crash_point(f"nightly:{step}")
    return summary


class NightFailed(Exception):
    """A step of the nightly run failed; the steps before it stand (see .summary)."""

    def __init__(self, summary: NightlySummary) -> None:
        super().__init__(summary.failed)
        self.summary = summary


@flow(name="nightly")
def nightly(
    campaign: str,
    as_of: date | None = None,
    runner: str = "process",
    dask_address: str | None = None,
    batch_size: int | None = None,
    partitions: int | None = None,
    partition_by: str = "hash",
    work_pool: str | None = None,
) -> NightlySummary:
    """Everything new in the campaign's inbox, end to end, as one run holding the data home.

    `runner`, `dask_address` and `batch_size` go to the letters step, the partition options
    to the compensate and letters steps (see flows.letters and flows.partitions)."""
    from prefect.artifacts import create_markdown_artifact

    day = as_of or date.today()
    with exclusive(Paths.from_env().home, "nightly", campaign) as describe:
        describe(f"{day}")
        split = {"partitions": partitions, "partition_by": partition_by, "work_pool": work_pool}
        rendering = {"runner": runner, "dask_address": dask_address, "batch_size": batch_size}
        summary = run_steps(campaign, day, {"compensate": split, "letters": split | rendering})
    create_markdown_artifact(summary.markdown(), key="nightly-summary", description=campaign)
    if summary.failed:
        raise NightFailed(summary)
    return summary
