"""Review decisions (SPEC §5): files in inbox/<c>/reviews/, each line recorded with its outcome."""

from __future__ import annotations

from flows.shared import db
from flows.shared.line_files import LineFiles, LinesRead, load_line_files
from flows.shared.runs import Run

DECISIONS = LineFiles(
    kind="reviews",
    columns=("claim_id", "decision", "amount", "reviewer", "note"),
    required=("claim_id", "decision"),
    numbers=("amount",),
    stage="stage_decisions",
    record="compensate/review_decisions",
    outcomes="compensate/review_decision_outcomes",
    problems="compensate/review_decision_problems",
    file_param="decision_file",
)


def load_decisions(run: Run) -> LinesRead:
    """Read new decision files (outcomes: accepted, unknown_claim, already_decided,
    not_in_review, invalid); a line that is not a decision never stops the run. Overrides
    taken before are checked again against today's [review] max_override first."""
    max_override = str(run.config.review.max_override)
    [(rechecked,)] = db.run(
        run.con,
        "compensate/review_decisions_recheck",
        campaign=run.campaign,
        max_override=max_override,
    )
    read = load_line_files(run, DECISIONS, max_override=max_override)
    if not rechecked:
        return read
    outcomes = read.outcomes | {"invalid": read.outcomes.get("invalid", 0) + rechecked}
    told = (
        f"{rechecked} override(s) accepted earlier are above review.max_override "
        f"{run.config.review.max_override}: now invalid, the claims stay in review"
    )
    return LinesRead(outcomes, [told, *read.problems])
