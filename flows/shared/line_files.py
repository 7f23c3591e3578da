"""Inbox files of lines about the campaign's claims (review decisions, customer responses):
every new file read, each line recorded by one SQL statement with its outcome, and the lines
that did not count named with file, line and reason. A bad line never stops the run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from flows.shared import db
from flows.shared.inbox import inbox_files, ingest, stage_view
from flows.shared.input_tables import line_table
from flows.shared.runs import Run


@dataclass(frozen=True)
class LinesRead:
    """How many lines had each outcome (and, per file, rejected_file, left_file, failed_file),
    and each line that did not count: file, line and reason (no personal data)."""

    outcomes: dict[str, int]
    problems: list[str]


@dataclass(frozen=True)
class LineFiles:
    """One kind of line file: its inbox folder, columns, and its statements (sql/<name>.sql):
    `record` inserts the staged lines (a view named `stage`) with their outcomes, `outcomes`
    counts them per outcome and `problems` lists those that did not count, both for the file
    bound as `file_param`; `counted` is the outcome of a line that counted."""

    kind: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    stage: str
    record: str
    outcomes: str
    problems: str
    file_param: str


def load_line_files(run: Run, files: LineFiles, **params: Any) -> LinesRead:
    """Every new file in inbox/<c>/<kind>/, each loaded in one transaction; `params` are bound
    to the `record` statement beside campaign and run_id."""
    outcomes: Counter[str] = Counter()
    problems: list[str] = []
    ready, left = inbox_files(run, files.kind)
    outcomes.update("left_file" for _ in left)
    problems += [f"{files.kind}/{outcome.message} (left for a later run)" for outcome in left]
    read = partial(line_table, columns=files.columns, required=files.required)
    for path in ready:

        def load(stage: Path, sha256: str, seq: int, path: Path = path) -> int:
            with stage_view(run.con, files.stage, stage, path, sha256, seq):
                db.run(run.con, files.record, campaign=run.campaign, run_id=run.run_id, **params)
            return 0

        outcome = ingest(run, files.kind, path, read, load)
        if outcome.status in ("rejected", "left", "failed"):
            outcomes[f"{outcome.status}_file"] += 1
        if outcome.status == "rejected":
            problems.append(f"{files.kind}/{outcome.message} (the file was moved to rejected/)")
        elif outcome.status in ("left", "failed"):
            problems.append(f"{files.kind}/{outcome.message} ({outcome.status})")
        elif outcome.status == "loaded":
            bound = {files.file_param: outcome.sha256}
            for row in db.rows(run.con, files.outcomes, **bound):
                outcomes[row["outcome"]] += row["lines"]
            problems += [
                f"{files.kind}/{path.name} line {n['line_no']}: {n['outcome']}: {n['reason']}"
                for n in db.rows(run.con, files.problems, **bound)
            ]
    return LinesRead(dict(outcomes), problems)
