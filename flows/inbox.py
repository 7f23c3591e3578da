"""Inbox files shared by the flows: listing, content-addressed skip, and the input_files record."""

from __future__ import annotations

from pathlib import Path

from flows import db
from flows.runs import Run


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
