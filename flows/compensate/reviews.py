"""Review decisions (SPEC §5): files in inbox/<c>/reviews/, each line recorded with its outcome."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from flows.shared import db
from flows.shared.files import FileRejected
from flows.shared.inbox import inbox_files, ingest, stage_view
from flows.shared.input_tables import FIELDS_OK, LINE_NO, blank_as_null, read_table
from flows.shared.runs import Run
from flows.shared.xlsx_numbers import exact_numbers

DECISION_COLUMNS = ("claim_id", "decision", "amount", "reviewer", "note")


def _decisions_frame(path: Path, workdir: Path) -> pl.LazyFrame:
    frame = read_table(path, "utf-8", None, workdir)
    frame = frame.rename({c: c.strip().lower() for c in frame.collect_schema().names()})
    present = frame.collect_schema().names()
    missing = [c for c in ("claim_id", "decision") if c not in present]
    if missing:
        raise FileRejected(f"required column missing: {', '.join(missing)}")
    if path.suffix.lower() == ".xlsx" and "amount" in present:  # numbers as Excel shows them
        read = frame.collect()
        sheet = [c for c in present if c not in (LINE_NO, FIELDS_OK)]  # the sheet's columns
        exact = exact_numbers(path, sheet.index("amount"), read["amount"].to_list())
        frame = read.with_columns(pl.Series("amount", exact, dtype=pl.String)).lazy()
    cells = [
        (blank_as_null(c) if c in present else pl.lit(None, pl.String)).alias(c)
        for c in DECISION_COLUMNS
    ]
    return frame.select([*cells, pl.col(LINE_NO).alias("line_no"), pl.col(FIELDS_OK)])


@dataclass(frozen=True)
class DecisionsRead:
    """How many lines had each outcome (accepted, unknown_claim, already_decided, not_in_review,
    invalid; rejected_file per file), and each line that did not count: file, line, reason."""

    outcomes: dict[str, int]
    problems: list[str]


def load_decisions(run: Run) -> DecisionsRead:
    """Read new decision files; a line that is not a decision never stops the run."""
    outcomes: Counter[str] = Counter()
    problems: list[str] = []
    ready, left = inbox_files(run, "reviews")
    outcomes.update("left_file" for _ in left)
    problems += [f"reviews/{outcome.message} (left for a later run)" for outcome in left]

    def load(stage: Path, sha256: str, seq: int) -> int:
        with stage_view(run.con, "stage_decisions", stage, path, sha256, seq):
            db.run(
                run.con,
                "compensate/review_decisions",
                campaign=run.campaign,
                run_id=run.run_id,
                max_override=str(run.config.review.max_override),
            )
        return 0

    [(rechecked,)] = db.run(
        run.con,
        "compensate/review_decisions_recheck",
        campaign=run.campaign,
        max_override=str(run.config.review.max_override),
    )
    if rechecked:
        outcomes["invalid"] += rechecked
        problems.append(
            f"{rechecked} override(s) accepted earlier are above review.max_override "
            f"{run.config.review.max_override}: now invalid, the claims stay in review"
        )
    for path in ready:
        outcome = ingest(run, "reviews", path, _decisions_frame, load)
        if outcome.status in ("rejected", "left", "failed"):
            outcomes[f"{outcome.status}_file"] += 1
        if outcome.status == "rejected":
            problems.append(f"reviews/{outcome.message} (the file was moved to rejected/)")
        elif outcome.status in ("left", "failed"):
            problems.append(f"reviews/{outcome.message} ({outcome.status})")
        elif outcome.status == "loaded":
            sha256 = outcome.sha256
            counted = db.rows(run.con, "compensate/review_decision_outcomes", decision_file=sha256)
            outcomes.update({row["outcome"]: row["lines"] for row in counted})
            lines = db.rows(run.con, "compensate/review_decision_problems", decision_file=sha256)
            problems += [
                f"reviews/{path.name} line {n['line_no']}: {n['outcome']}: {n['reason']}"
                for n in lines
            ]
    return DecisionsRead(dict(outcomes), problems)
