"""Review decisions (SPEC §5): files in inbox/<c>/reviews/, each line recorded with its outcome."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl

from flows import db
from flows.inbox import inbox_files, ingest, stage_view
from flows.io import FIELDS_OK, LINE_NO, FileRejected, blank_as_null, read_table
from flows.runs import Run

DECISION_COLUMNS = ("claim_id", "decision", "amount", "reviewer", "note")


def _decisions_frame(path: Path, workdir: Path) -> pl.LazyFrame:
    frame = read_table(path, "utf-8", None, workdir)
    frame = frame.rename({c: c.strip().lower() for c in frame.collect_schema().names()})
    present = frame.collect_schema().names()
    missing = [c for c in ("claim_id", "decision") if c not in present]
    if missing:
        raise FileRejected(f"required column missing: {', '.join(missing)}")
    cells = [
        (blank_as_null(c) if c in present else pl.lit(None, pl.String)).alias(c)
        for c in DECISION_COLUMNS
    ]
    return frame.select([*cells, pl.col(LINE_NO).alias("line_no"), pl.col(FIELDS_OK)])


def load_decisions(run: Run) -> dict[str, int]:
    """Read new decision files; returns how many lines had each outcome (accepted, unknown_claim,
    already_decided, not_in_review, invalid) and how many files were rejected, left for a
    later run (still being written) or could not be read."""
    outcomes: Counter[str] = Counter()
    ready, left = inbox_files(run, "reviews")
    outcomes.update("left_file" for _ in left)

    def load(stage: Path, sha256: str, seq: int) -> int:
        with stage_view(run.con, "stage_decisions", stage, path, sha256, seq):
            db.run(run.con, "compensate/review_decisions", campaign=run.campaign, run_id=run.run_id)
        return 0

    for path in ready:
        outcome = ingest(run, "reviews", path, _decisions_frame, load)
        if outcome.status in ("rejected", "left", "failed"):
            outcomes[f"{outcome.status}_file"] += 1
        elif outcome.status == "loaded":
            rows = run.con.execute(
                "select outcome, count(*) from review_decisions where file_sha256 = ? group by 1",
                [outcome.sha256],
            ).fetchall()
            outcomes.update(dict(rows))
    return dict(outcomes)
