"""Inbox files of lines about the campaign's claims (review decisions, customer responses):
every new file read, each line recorded by one SQL statement with its outcome, and the lines
that did not count named with file, line and reason. A bad line never stops the run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl

from flows.shared import db
from flows.shared.crash import crash_point
from flows.shared.files import FileRejected
from flows.shared.inbox import inbox_files, ingest, stage_view
from flows.shared.input_tables import FIELDS_OK, LINE_NO, blank_as_null, read_table
from flows.shared.runs import Run
from flows.shared.xlsx_numbers import exact_numbers


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
    numbers: tuple[str, ...]  # read from an XLSX numeric cell as Excel shows it
    stage: str
    record: str
    outcomes: str
    problems: str
    file_param: str


def line_table(path: Path, workdir: Path, files: LineFiles) -> pl.LazyFrame:
    """A file of lines (UTF-8 CSV, XLSX, Parquet): header names in any case, `columns` as text
    (null when blank or absent), each line's number (an XLSX row number) and whether it had as
    many cells as the header. A required column missing rejects the file."""
    frame = read_table(path, "utf-8", None, workdir)
    frame = frame.rename({c: c.strip().lower() for c in frame.collect_schema().names()})
    present = frame.collect_schema().names()
    missing = [c for c in files.required if c not in present]
    if missing:
        raise FileRejected(f"required column missing: {', '.join(missing)}")
    numbers = [c for c in files.numbers if c in present]
    if path.suffix.lower() == ".xlsx" and numbers:  # numbers as Excel shows them
        read = frame.collect()
        sheet = [c for c in present if c not in (LINE_NO, FIELDS_OK)]  # the sheet's columns
        exact = [
            pl.Series(c, exact_numbers(path, sheet.index(c), read[c].to_list()), dtype=pl.String)
            for c in numbers
        ]
        frame = read.with_columns(exact).lazy()
    cells = [
        (blank_as_null(c) if c in present else pl.lit(None, pl.String)).alias(c)
        for c in files.columns
    ]
    return frame.select([*cells, pl.col(LINE_NO).alias("line_no"), pl.col(FIELDS_OK)])


def load_line_files(run: Run, files: LineFiles, **params: Any) -> LinesRead:
    """Every new file in inbox/<c>/<kind>/, each loaded in one transaction; `params` are bound
    to the `record` statement beside campaign and run_id."""
    outcomes: Counter[str] = Counter()
    problems: list[str] = []
    ready, left = inbox_files(run, files.kind)
    outcomes.update("left_file" for _ in left)
    problems += [f"{files.kind}/{outcome.message} (left for a later run)" for outcome in left]
    read = partial(line_table, files=files)
    for path in ready:

        def load(stage: Path, sha256: str, seq: int, path: Path = path) -> int:
            with stage_view(run.con, files.stage, stage, path, sha256, seq):
                db.run(run.con, files.record, campaign=run.campaign, run_id=run.run_id, **params)
            return 0

        outcome = ingest(run, files.kind, path, read, load)
        crash_point(f"{run.flow}:{files.kind}")  # this file's lines recorded, later files not
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
