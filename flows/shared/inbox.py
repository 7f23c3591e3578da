"""Inbox files shared by the flows: listing (files still being written are left), the
archived copy read instead of the inbox file, content-addressed skip, the input_files record."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from flows.shared import db
from flows.shared.config import ConfigError
from flows.shared.crash import crash_point
from flows.shared.files import FileChanged, FileRejected, archive, reject, sha256_file
from flows.shared.progress import report
from flows.shared.runs import Run

if TYPE_CHECKING:
    import polars as pl

SETTLE_ENV = "RECALL_INBOX_SETTLE_SECONDS"
DEFAULT_SETTLE_SECONDS = 60
# names of files still being written or not meant to be read, and what such a file is
UNFINISHED_NAMES = {
    "*.part": "a partial download or copy",
    "*.tmp": "a temporary file",
    "*.crdownload": "a download in progress",
    "~$*": "an office program's lock file",
    ".*": "a hidden file",
}


@dataclass(frozen=True)
class FileOutcome:
    """What became of one inbox file; holds no personal data."""

    file_name: str
    sha256: str
    status: str  # loaded | skipped | rejected | left (for a later run) | failed (not read)
    rows: int = 0
    quarantined: int = 0
    message: str = ""


def load_waiting(
    run: Run, kind: str, load: Callable[[Run, Path], FileOutcome]
) -> list[FileOutcome]:
    """Every file waiting in inbox/<campaign>/<kind>/, loaded one by one, with progress and a
    crash point (`<flow>:file`) after each; then those left for a later run, each with why."""
    waiting, left = inbox_files(run, kind)
    outcomes = []
    for number, path in enumerate(waiting, 1):
        report(f"{run.flow}: file {number} of {len(waiting)}")
        outcomes.append(load(run, path))
        crash_point(f"{run.flow}:file")
    return outcomes + left


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
    archived and the archived copy read, never the inbox file again (`read(copy, workdir)`;
    FileRejected puts the file in rejected/ with its reason), streamed to a Parquet stage and
    loaded in one transaction with its input_files record (`load(stage, sha256, ingest_seq)`
    returns how many rows it quarantined). A file that changes while it is copied is left
    for a later run; one that cannot be read (gone, no permission) fails alone."""
    from flows.shared.input_tables import sink_stage  # Polars: only reading a file needs it

    try:
        sha256 = sha256_file(path)
        if already_loaded(run, kind, sha256):
            return FileOutcome(path.name, sha256, "skipped", message="already loaded")
        archived = archive(path, run.paths.archive, sha256)
    except FileChanged:
        why = "changed while it was being read: still being written? a later run reads it"
        return FileOutcome(path.name, sha256, "left", message=f"{path.name}: {why}")
    except OSError as exc:
        if exc.filename is None or os.fspath(exc.filename) != os.fspath(path):
            raise  # the archive's side (disk full, ...): the run fails
        return FileOutcome(path.name, "", "failed", message=f"{path.name}: {not_read(exc)}")
    seq = next_ingest_seq(run)
    with tempfile.TemporaryDirectory(dir=run.paths.home) as tmp:
        workdir = Path(tmp)
        try:
            stage, rows = sink_stage(read(archived, workdir), path, workdir)
        except FileRejected as exc:
            message = f"{path.name}: {exc}"
            record_input(run, kind, path, sha256, archived, seq, "rejected", error=str(exc))
            reject(path, message, archived, sha256)
            return FileOutcome(path.name, sha256, "rejected", message=message)
        with db.transaction(run.con):
            quarantined = load(stage, sha256, seq)
            record_input(run, kind, path, sha256, archived, seq, "loaded", rows)
    return FileOutcome(path.name, sha256, "loaded", rows, quarantined)


def not_read(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no longer in the inbox (taken away while it was being read); nothing of it was read"
    return f"cannot be read ({exc.strerror}); nothing of it was read, a later run tries again"


def settle_seconds() -> int:
    """RECALL_INBOX_SETTLE_SECONDS: how long an inbox file must be unchanged to be read."""
    text = os.environ.get(SETTLE_ENV, "").strip()
    if not text:
        return DEFAULT_SETTLE_SECONDS
    if not text.isdigit():
        raise ConfigError(
            f"{SETTLE_ENV}={text!r}: give whole seconds (0 or more), "
            f"or unset it for the default of {DEFAULT_SETTLE_SECONDS}"
        )
    return int(text)


def still_being_written(path: Path, now: float, settle: int) -> str | None:
    """Why the file is left for a later run, or None when it is ready to read. The machine's
    clock against the file's modification time: about files, not business dates (as_of)."""
    for pattern, what in UNFINISHED_NAMES.items():
        if fnmatchcase(path.name, pattern):
            return f"{what} ({pattern}): not read; a later run reads it once it is renamed"
    age = now - path.stat().st_mtime
    if age < 0:
        return "modified later than this machine's clock says it is now: read once that is past"
    if age < settle:
        return f"modified {age:.0f} s ago: read once unchanged for {settle} s"
    return None


def inbox_files(run: Run, kind: str) -> tuple[list[Path], list[FileOutcome]]:
    """Files in inbox/<campaign>/<kind>/, in file-name order: those ready to read, and those
    left for a later run (SPEC §4: still being written), each with why."""
    folder = run.paths.inbox(run.campaign, kind)
    if not folder.is_dir():
        return [], []
    settle, now = settle_seconds(), time.time()
    ready, left = [], []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        try:
            why = still_being_written(path, now, settle)
        except FileNotFoundError:
            continue  # gone since the listing
        if why is None:
            ready.append(path)
        else:
            left.append(FileOutcome(path.name, "", "left", message=f"{path.name}: {why}"))
    return ready, left


def already_loaded(run: Run, kind: str, sha256: str) -> bool:
    [(loads,)] = db.run(
        run.con, "shared/input_file_loaded", campaign=run.campaign, kind=kind, sha256=sha256
    )
    return bool(loads)


def next_ingest_seq(run: Run) -> int:
    [(seq,)] = db.run(run.con, "shared/ingest_seq")
    return int(seq)


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
    db.run(
        run.con,
        "shared/input_files",
        campaign=run.campaign,
        sha256=sha256,
        kind=kind,
        file_name=path.name,
        archived_path=str(archived),
        size_bytes=archived.stat().st_size,
        ingest_seq=seq,
        run_id=run.run_id,
        status=status,
        rows_read=rows,
        error=error,
    )
