"""The compensate flow's outputs (SPEC §5, §9): payment instruction files, each written once
and never behind the database, and the review queue (CSV + XLSX)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
from prefect import get_run_logger

from flows.shared import db
from flows.shared.backup import DatabaseBehind, database_behind
from flows.shared.crash import crash_point
from flows.shared.io import atomic_path, owner_only, sha256_file, write_workbook
from flows.shared.runs import Run
from flows.shared.settings import Paths


class InstructedUnknown(DatabaseBehind):
    """Instruction files on disk hold payment refs the database does not know."""


def check_instruction_files(con: duckdb.DuckDBPyConnection, paths: Paths, campaign: str) -> None:
    """Raise InstructedUnknown when an instruction file on disk holds a payment ref the database
    does not know (SPEC §9): before any payment instruction is written.

    A file named after a run the database knows, with as many lines as that run's
    instructions, is not read again: the database wrote it from those rows (a run's
    instructions are committed at once, before its file is written), and a database behind the
    files never gets to make instructions of its own. Every other file is read in full."""
    folder = paths.out(campaign, "instructions")
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    runs = db.rows(con, "compensate/instruction_runs", campaign=campaign) if files else []
    known = {run["file_name"]: run["refs"] for run in runs}
    to_read = [str(f) for f in files if known.get(f.name) != _lines(f) - 1]
    if not to_read:
        return
    unknown = db.rows(con, "compensate/instructed_unknown", instruction_files=to_read)
    if unknown:
        first = unknown[0]
        found = f"{first['refs']:,} payment refs (e.g. {first['first_ref']}) are already instructed"
        files_unknown = [folder / row["file_name"] for row in unknown]
        raise database_behind(InstructedUnknown, files_unknown, found, "file", paths)


def _lines(path: Path) -> int:
    """Newlines in the file, counted without parsing it (about 1 GB/s)."""
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def write_instruction_files(run: Run) -> list[Path]:
    """`out/<c>/instructions/<instructed_on>-<run>.csv` for every run whose file is missing."""
    written = []
    folder = owner_only(run.paths.out(run.campaign, "instructions"))
    for instructed in db.rows(run.con, "compensate/instruction_runs", campaign=run.campaign):
        target = folder / instructed["file_name"]
        if not target.exists():
            rows = run.con.sql(
                db.sql_text("compensate/instruction_rows"),
                params={"campaign": run.campaign, "run_id": instructed["run_id"]},
            )
            with atomic_path(target, mode=0o600) as tmp:
                rows.pl(lazy=True).sink_csv(tmp)  # streamed: memory does not grow with it
                crash_point("instructions:file")  # written, not yet in place
            written.append(target)
    return written


def write_review_queue(
    queue: duckdb.DuckDBPyRelation, folder: Path, max_rows: int, as_of: date
) -> None:
    """queue.csv, and queue.xlsx up to `max_rows` reviews; both left as they are when the
    queue has not changed (the workbook costs ~17 µs a cell here: 70,000 reviews take about
    20 s)."""
    csv_file, workbook = folder / "queue.csv", folder / "queue.xlsx"
    with atomic_path(csv_file, mode=0o600) as tmp:
        queue.pl(lazy=True).sink_csv(tmp)
        rows = int(pl.scan_csv(tmp).select(pl.len()).collect().item())
        fits = rows <= max_rows
        unchanged = csv_file.exists() and sha256_file(csv_file) == sha256_file(tmp)
        if unchanged and (workbook.exists() or not fits):
            return
        if fits:
            with atomic_path(workbook, mode=0o600) as book:
                write_workbook({"review queue": queue.pl()}, book, as_of)
        else:
            workbook.unlink(missing_ok=True)
            get_run_logger().warning(
                "the review queue has %d reviews; queue.xlsx is written up to %d "
                "([review] workbook_max_rows): use queue.csv",
                rows,
                max_rows,
            )
