"""Nightly flow (SPEC §8): intake → review decisions and compensation → letters → reconcile →
the effect report, as subflows over everything new in the inbox, with one run summary at the
end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from prefect import flow

from flows.scale.options import ON_THIS_MACHINE, RunOptions
from flows.shared.backup import DatabaseBehind, backups_keep, make_backup
from flows.shared.crash import crash_point
from flows.shared.lock import exclusive
from flows.shared.progress import report
from flows.shared.runlog import run_logger
from flows.shared.runs import AsOfRefused
from flows.shared.settings import Paths
from flows.shared.words import ALERTS

STEPS = ("intake", "compensate", "letters", "reconcile", "report")
# What each step needs to have completed tonight (SPEC §9: a failed step stops only what
# depends on it). Reconcile matches payout files against the instructions already written,
# so neither an unapproved template nor a budget halt keeps finance from its report; it does
# need intake, the step that first opens the database and the inbox: when that fails, the
# data home itself is in question. The effect report (SPEC §12) reads what the night left,
# whatever failed after intake.
NEEDS = {
    "intake": (),
    "compensate": ("intake",),
    "letters": ("compensate",),
    "reconcile": ("intake",),
    "report": ("intake",),
}


@dataclass
class NightlySummary:
    """One line per step; counts and money only (no personal data)."""

    campaign: str
    as_of: date
    steps: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)  # step → that flow's summary
    failed: str | None = None  # the failed steps, each with its message
    errors: dict[str, Exception] = field(default_factory=dict, repr=False)  # step → exception

    def markdown(self) -> str:
        lines = [f"# Nightly {self.campaign} {self.as_of}", "", "| step | run | outcome |"]
        lines.append("|---|---|---|")
        lines += [f"| {s['step']} | {s['run_id']} | {s['outcome']} |" for s in self.steps]
        if self.failed:
            lines += ["", f"**failed:** {self.failed}"]
        return "\n".join(lines)


def _outcome(step: str, result: Any) -> str:
    if step == "intake":
        loaded = sum(1 for f in result.files if f.status == "loaded")
        rejected = sum(1 for f in result.files if f.status == "rejected")
        refused = f", {rejected} rejected (see lists/rejected/)" if rejected else ""
        return f"{loaded} new files{refused}, {sum(result.status_counts.values()):,} claims in all"
    if step == "compensate":
        made = f"{result.offers_made:,} offers ({result.offered_in_run:,.2f})"
        released = "".join(
            f", {n:,} offers {reason} ({money:,.2f} released)"
            for reason, (n, money) in result.released.items()
        )
        return f"{made}{released}, {result.pending_reviews:,} in review"
    if step == "letters":
        written = f"{sum(result.counts.values()):,} letters"
        return f"{written}; {result.warning}" if result.warning else written
    if step == "report":
        registered = f"{result.units_registered:,} units registered"
        return f"{registered}, {result.units_remedied:,} remedied; effect.html, progress.html"
    alerts = ", ".join(ALERTS.get(a.code, a.code) for a in result.alerts) or "no alerts"
    loaded = sum(1 for f in result.files if f.status == "loaded")
    rejected = sum(1 for f in result.files if f.status == "rejected")
    refused = f", {rejected} rejected (payout_files.csv says why)" if rejected else ""
    return f"{loaded} new payout files{refused}, {result.reissued} reissued, {alerts}"


def run_steps(
    campaign: str, as_of: date, options: dict[str, dict[str, Any]] | None = None
) -> NightlySummary:
    """Every step in order; a failed step skips the steps that need it (NEEDS), the others
    run; the errors are kept. An as-of the guards refuse (flows.shared.runs) stops the first step
    before it touches data, and is raised as it is: the night did not happen.

    `options`: parameters of a step's flow beyond campaign and as_of, by step."""
    from flows.compensate.flow import compensate
    from flows.intake.flow import intake
    from flows.letters.flow import letters
    from flows.reconcile.flow import reconcile
    from flows.report.flow import report as effect_report

    summary = NightlySummary(campaign, as_of)
    logger = run_logger()
    flows: tuple[Callable[..., Any], ...] = (intake, compensate, letters, reconcile, effect_report)
    not_done: set[str] = set()  # failed or skipped
    for number, (step, step_flow) in enumerate(zip(STEPS, flows, strict=True), 1):
        missing = [need for need in NEEDS[step] if need in not_done]
        if missing:
            not_done.add(step)
            skipped = f"skipped: {missing[0]} failed"
            summary.steps.append({"step": step, "run_id": "-", "outcome": skipped})
            logger.info("step %d of %d, %s: %s", number, len(STEPS), step, skipped)
            continue
        report(f"step {number} of {len(STEPS)}, {step}")
        try:
            result = step_flow(campaign=campaign, as_of=as_of, **(options or {}).get(step, {}))
        except AsOfRefused:
            raise
        except Exception as exc:
            not_done.add(step)
            summary.errors[step] = exc
            summary.steps.append({"step": step, "run_id": "-", "outcome": f"failed: {exc}"})
            # the message may quote a file's cells: it stays in the summary, not the log
            logger.info("step %d of %d, %s: failed", number, len(STEPS), step)
            continue
        summary.results[step] = result
        outcome = _outcome(step, result)
        summary.steps.append({"step": step, "run_id": result.run_id, "outcome": outcome})
        logger.info(
            "step %d of %d, %s: %s (run %s)", number, len(STEPS), step, outcome, result.run_id
        )
        crash_point(f"nightly:{step}")
    if summary.errors:
        summary.failed = "; ".join(f"{step}: {exc}" for step, exc in summary.errors.items())
    return summary


def back_up(paths: Paths, summary: NightlySummary) -> None:
    """A backup of the database as the night left it, failed steps or not (SPEC §9), made while
    the night still holds the data home; a failed backup fails the night. Not when the night
    found the database behind the files on disk (lost or older): a copy of it would only push a
    good backup out."""
    if any(isinstance(error, DatabaseBehind) for error in summary.errors.values()):
        skipped = "skipped: the database is behind the files on disk"
        summary.steps.append({"step": "backup", "run_id": "-", "outcome": skipped})
        return
    report("backup of the database")
    try:
        made = make_backup(paths)
    except Exception as exc:
        summary.failed = summary.failed or f"backup: {exc}"
        summary.steps.append({"step": "backup", "run_id": "-", "outcome": f"failed: {exc}"})
        return
    summary.steps.append({"step": "backup", "run_id": "-", "outcome": str(made.path)})
    crash_point("nightly:backup")


class NightFailed(Exception):
    """A step of the nightly run failed; the steps that did not need it ran (see .summary)."""

    def __init__(self, summary: NightlySummary) -> None:
        super().__init__(summary.failed)
        self.summary = summary


@flow(name="nightly")
def nightly(
    campaign: str,
    as_of: date | None = None,
    options: RunOptions = ON_THIS_MACHINE,
    allow_backdate: bool = False,
    allow_future: bool = False,
) -> NightlySummary:
    """Everything new in the campaign's inbox, end to end, as one run holding the data home.

    `options` (where letters render, how the run is split) go to the compensate and letters
    steps (flows.scale.options), `allow_backdate` / `allow_future` to every step (the as-of
    guards, flows.shared.runs)."""
    from prefect.artifacts import create_markdown_artifact

    day = as_of or date.today()
    backups_keep()  # a bad RECALL_BACKUPS_KEEP stops the night before it starts
    paths = Paths.from_env()
    with exclusive(paths.home, "nightly", campaign) as describe:
        describe(f"{day}")
        allow = {"allow_backdate": allow_backdate, "allow_future": allow_future}
        spread = {"compensate": {"options": options}, "letters": {"options": options}}
        by_step = {step: spread.get(step, {}) | allow for step in STEPS}
        summary = run_steps(campaign, day, by_step)
        back_up(paths, summary)
    create_markdown_artifact(summary.markdown(), key="nightly-summary", description=campaign)
    if summary.failed:
        raise NightFailed(summary)
    return summary
