"""Inbox files shared by the flows: listing, content-addressed skip, and the input_files record."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from flows import db
from flows.crash import crash_point
from flows.io import FileRejected, archive, reject, sha256_file
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


def stamped(frame: pl.DataFrame, path: Path, sha256: str, seq: int) -> pl.DataFrame:
    """The rows of one inbox file, marked with the file they came from."""
    return frame.with_columns(
        pl.lit(sha256).alias("file_sha256"),
        pl.lit(path.name).alias("source_file"),
        pl.lit(path.suffix.lower().lstrip(".")).alias("source_format"),
        pl.lit(seq, dtype=pl.Int64).alias("ingest_seq"),
    )


def ingest(
    run: Run,
    kind: str,
    path: Path,
    read: Callable[[Path, Path], pl.DataFrame],
    load: Callable[[pl.DataFrame, str, int], int],
) -> FileOutcome:
    """One inbox file, content-addressed: skipped when its sha256 was loaded before, else
    archived, read (`read(path, workdir)`; FileRejected moves the file to rejected/ with its
    reason) and loaded in one transaction with its input_files record
    (`load(frame, sha256, ingest_seq)` returns how many rows it quarantined)."""
    sha256 = sha256_file(path)
    if already_loaded(run, kind, sha256):
        return FileOutcome(path.name, sha256, "skipped", message="already loaded")
    archived = archive(path, run.paths.archive, sha256)
    seq = next_ingest_seq(run)
    try:
        with tempfile.TemporaryDirectory(dir=run.paths.home) as workdir:
            frame = read(path, Path(workdir))
    except FileRejected as exc:
        message = f"{path.name}: {exc}"
        record_input(run, kind, path, sha256, archived, seq, "rejected", error=str(exc))
        reject(path, message)
        return FileOutcome(path.name, sha256, "rejected", message=message)
    with db.transaction(run.con):
        quarantined = load(frame, sha256, seq)
        record_input(run, kind, path, sha256, archived, seq, "loaded", frame.height)
    return FileOutcome(path.name, sha256, "loaded", frame.height, quarantined)


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
