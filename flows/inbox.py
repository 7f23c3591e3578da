"""Inbox files shared by the flows: listing, content-addressed skip, and the input_files record."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from flows import db
from flows.crash import crash_point
from flows.io import FileRejected, archive, reject, sha256_file, sink_stage
from flows.progress import report
from flows.runs import Run


@dataclass(frozen=True)
class FileOutcome:
    """What became of one inbox file; holds no personal data."""

    file_name: str
    sha256: str
    status: str  # loaded | skipped | rejected
    rows: int = 0
    quarantined: int = 0
    message: str = ""


def load_waiting(
    run: Run, kind: str, load: Callable[[Run, Path], FileOutcome]
) -> list[FileOutcome]:
    """Every file waiting in inbox/<campaign>/<kind>/, loaded one by one, with progress and a
    crash point (`<flow>:file`) after each."""
    waiting = waiting_files(run, kind)
    outcomes = []
    for number, path in enumerate(waiting, 1):
        report(f"{run.flow}: file {number} of {len(waiting)}")
        outcomes.append(load(run, path))
        crash_point(f"{run.flow}:file")
    return outcomes


@contextmanager
def stage_view(
    con: duckdb.DuckDBPyConnection, name: str, stage: Path, source: Path, sha256: str, seq: int
) -> Iterator[None]:
    """A view `name` over a file's staged rows (Parquet, read as DuckDB streams it), marked
    with the file they came from."""
    constants = {
        "file_sha256": sha256,
        "source_file": source.name,
        "source_format": source.suffix.lower().lstrip("."),
    }
    columns = [
        duckdb.StarExpression(),
        *(duckdb.ConstantExpression(v).alias(k) for k, v in constants.items()),
        duckdb.ConstantExpression(seq).cast(duckdb.sqltype("BIGINT")).alias("ingest_seq"),
    ]
    with db.view(con, name, con.read_parquet(str(stage)).select(*columns)):
        yield


def ingest(
    run: Run,
    kind: str,
    path: Path,
    read: Callable[[Path, Path], pl.LazyFrame],
    load: Callable[[Path, str, int], int],
) -> FileOutcome:
    """One inbox file, content-addressed: skipped when its sha256 was loaded before, else
    archived, read (`read(path, workdir)`; FileRejected moves the file to rejected/ with its
    reason), streamed to a Parquet stage and loaded in one transaction with its input_files
    record (`load(stage, sha256, ingest_seq)` returns how many rows it quarantined)."""
    sha256 = sha256_file(path)
    if already_loaded(run, kind, sha256):
        return FileOutcome(path.name, sha256, "skipped", message="already loaded")
    archived = archive(path, run.paths.archive, sha256)
    seq = next_ingest_seq(run)
    with tempfile.TemporaryDirectory(dir=run.paths.home) as tmp:
        workdir = Path(tmp)
        try:
            stage, rows = sink_stage(read(path, workdir), path, workdir)
        except FileRejected as exc:
            message = f"{path.name}: {exc}"
            record_input(run, kind, path, sha256, archived, seq, "rejected", error=str(exc))
            reject(path, message)
            return FileOutcome(path.name, sha256, "rejected", message=message)
        with db.transaction(run.con):
            quarantined = load(stage, sha256, seq)
            record_input(run, kind, path, sha256, archived, seq, "loaded", rows)
    return FileOutcome(path.name, sha256, "loaded", rows, quarantined)


def waiting_files(run: Run, kind: str) -> list[Path]:
    """Files in inbox/<campaign>/<kind>/, in file-name order (hidden ones are not ready)."""
    folder = run.paths.inbox(run.campaign, kind)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def already_loaded(run: Run, kind: str, sha256: str) -> bool:
    found = db.scalar(
        run.con,
        "select count(*) from input_files "
        "where campaign = ? and kind = ? and sha256 = ? and status = 'loaded'",
        [run.campaign, kind, sha256],
    )
    return bool(found)


def next_ingest_seq(run: Run) -> int:
    return int(db.scalar(run.con, "select nextval('ingest_seq')"))


def record_input(
    run: Run,
    kind: str,
    path: Path,
    sha256: str,
    archived: Path,
    seq: int,
    status: str,
    rows: int | None = None,
    error: str | None = None,
) -> None:
    """One input_files row: which file, its sha256 and archive copy, and what became of it."""
    db.execute(
        run.con,
        "insert into input_files (campaign, sha256, kind, file_name, archived_path, size_bytes, "
        "ingest_seq, run_id, status, rows_read, error) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run.campaign,
            sha256,
            kind,
            path.name,
            str(archived),
            archived.stat().st_size,
            seq,
            run.run_id,
            status,
            rows,
            error,
        ],
    )
