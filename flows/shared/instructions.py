"""Payment instruction files (SPEC §5, §9): written once per run that made instructions
(compensate's offers, reconcile's reissues), and never behind the database."""

from __future__ import annotations

from pathlib import Path

import duckdb

from flows.shared import db
from flows.shared.backup import DatabaseBehind, database_behind
from flows.shared.crash import crash_point
from flows.shared.files import atomic_path, owner_only
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
