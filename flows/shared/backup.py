"""Backups of the database (SPEC §9): each nightly leaves one, `recall backup` makes one now,
`recall restore --from DIR` puts one back.

A backup is the database file, checkpointed and copied while this process holds the data
home's lock (flows/shared/lock.py), so no run writes it meanwhile: DuckDB's own format, opened as is
(no export and import to go wrong). It is written in a hidden folder of `backups/` and renamed
into place, so a backup is complete or absent; old ones are renamed hidden before they are
removed. A restore writes a journal first (`restore.json`): until it ends, no command opens the
database, and running the restore again finishes it. The database it replaces is kept in
`replaced/`, never destroyed.

Must not import Prefect: `recall backup` and `recall restore` run no flow.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from flows.shared import db
from flows.shared.crash import crash_point
from flows.shared.lock import exclusive
from flows.shared.runs import open_database
from flows.shared.settings import Paths

KEEP_ENV = "RECALL_BACKUPS_KEEP"
DEFAULT_KEEP = 7
DATABASE = "recall.duckdb"
MANIFEST = "backup.json"
# in every message of a run that finds files on disk the database does not know
DATABASE_BEHIND = "the database does not know them"


class DatabaseBehind(Exception):
    """Files on disk (instructions, letters) the database does not know: it is lost or older
    than they are, and would make them again. Nothing was written; restore a backup."""


class BackupError(Exception):
    """Bad usage: a setting or a folder that cannot be used; nothing was changed."""


@dataclass(frozen=True)
class Backup:
    path: Path
    latest: list[dict[str, Any]]  # per campaign: its latest run (id, flow, as-of, status)

    def describe(self) -> str:
        """The latest run of each campaign, e.g. `RC-2026-017 run 20261015-004 (reconcile,
        as of 2026-10-15, completed)`."""
        runs = [
            f"{r['campaign']} run {r['run_id']} ({r['flow']}, as of {r['as_of']}, {r['status']})"
            for r in self.latest
        ]
        return "; ".join(runs) or "no runs yet"


def backups_keep() -> int:
    """How many backups to keep: RECALL_BACKUPS_KEEP, default 7."""
    value = os.environ.get(KEEP_ENV) or str(DEFAULT_KEEP)
    try:
        keep = int(value)
    except ValueError:
        keep = 0
    if keep < 1:
        raise BackupError(
            f"{KEEP_ENV}={value!r}: give a whole number of at least 1 (how many backups to keep)"
        )
    return keep


def complete_backups(paths: Paths) -> list[Path]:
    """The backups in `backups/`, oldest first (hidden folders are being written or removed)."""
    if not paths.backups.is_dir():
        return []
    found = [p for p in paths.backups.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted(found, key=lambda p: p.name)


def latest_backup(paths: Paths) -> Path | None:
    found = complete_backups(paths)
    return found[-1] if found else None


def restore_hint(paths: Paths) -> str:
    """What to do when the database is behind the files on disk, naming the latest backup."""
    latest = latest_backup(paths)
    if latest is None:
        return (
            f"the database is lost or older than them; nothing was written. No backup in "
            f"{paths.backups}: restore one with `recall restore --from DIR`"
        )
    return (
        f"the database is lost or older than them; nothing was written. Restore the latest "
        f"backup with `recall restore --from {latest}`, then run the night again"
    )


def database_behind(
    error: type[DatabaseBehind], places: Sequence[object], found: str, unit: str, paths: Paths
) -> DatabaseBehind:
    """The refusal when files on disk hold what the database does not know: the first place
    (and how many more `unit`s), what was found there, and what to do next."""
    more = f" and {len(places) - 1} more {unit}(s)" if len(places) > 1 else ""
    return error(f"{places[0]}{more}: {found}, but {DATABASE_BEHIND}: {restore_hint(paths)}")


def _latest_runs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = db.run(con, "shared/latest_runs")
    keys = ("campaign", "run_id", "flow", "as_of", "status")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(source: Path, target: Path) -> None:
    """The file copied, owner-only, and on disk before this returns."""
    shutil.copyfile(source, target)
    target.chmod(0o600)
    _fsync(target)


def make_backup(paths: Paths) -> Backup:
    """A consistent copy of the database in `backups/<number>-<as-of>-<campaign>-<run>/`; the
    oldest beyond RECALL_BACKUPS_KEEP removed. Waits for a run holding the data home."""
    keep = backups_keep()
    with exclusive(paths.home, "backup", "-"):
        con = open_database(paths)  # brings an older database's schema up to date too
        try:
            latest = _latest_runs(con)
            con.execute("checkpoint").fetchall()  # everything in the file, nothing in the WAL
        finally:
            con.close()
        folder = paths.backups
        folder.mkdir(mode=0o700, exist_ok=True)
        for leftover in folder.glob(".*"):  # a backup or a removal stopped by a kill
            shutil.rmtree(leftover)
        done = complete_backups(paths)
        number = 1 + max((int(p.name[:6]) for p in done if p.name[:6].isdigit()), default=0)
        newest = max(latest, key=lambda r: (r["as_of"], r["run_id"]), default=None)
        label = f"{newest['as_of']}-{newest['campaign']}-{newest['run_id']}" if newest else "empty"
        name = f"{number:06d}-{label}"
        staging = folder / f".{name}.tmp"
        staging.mkdir(mode=0o700)
        _copy(paths.database, staging / DATABASE)
        check = duckdb.connect(str(staging / DATABASE), read_only=True)
        try:
            if _latest_runs(check) != latest:
                raise BackupError(f"the copy in {staging} differs from {paths.database}")
        finally:
            check.close()
        manifest = {"database": DATABASE, "latest_runs": latest}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _fsync(staging / MANIFEST)
        _fsync(staging)
        crash_point("backup:copied")  # complete, under its hidden name
        target = folder / name
        os.rename(staging, target)
        _fsync(folder)
        crash_point("backup:made")
        for old in [*done, target][:-keep]:
            hidden = folder / f".{old.name}.old"
            os.rename(old, hidden)  # gone from the list at once, removed after
            crash_point("backup:pruning")
            shutil.rmtree(hidden)
        return Backup(target, latest)


def read_backup(source: Path) -> Backup:
    """The backup in `source`, checked: its database opens and holds runs; else BackupError."""
    database = source / DATABASE
    if not (database.is_file() and (source / MANIFEST).is_file()):
        raise BackupError(
            f"{source} is not a backup (no {DATABASE} and {MANIFEST} in it): give a folder of "
            "RECALL_HOME/backups/, made by `recall backup` or a nightly run; nothing was changed"
        )
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as exc:
        raise BackupError(f"{database} cannot be opened ({exc}); nothing was changed") from None
    try:
        return Backup(source.resolve(), _latest_runs(con))
    except duckdb.Error as exc:
        raise BackupError(f"{database} holds no recall runs ({exc}); nothing was changed") from None
    finally:
        con.close()


@dataclass(frozen=True)
class Restored:
    backup: Backup
    replaced: Path | None  # where the database it replaced was put


def restore(paths: Paths, source: Path) -> Restored:
    """Put the backup in `source` in place of the database, which is moved to `replaced/`.

    Refuses (RunInProgress) while a run holds the data home. Killed at any point, running it
    again finishes it; until then no command opens the database (`open_database`)."""
    backup = read_backup(source)
    with exclusive(paths.home, "restore", "-", wait_seconds=0):
        journal = paths.restore_journal
        journal.write_text(json.dumps({"from": str(backup.path)}) + "\n", encoding="utf-8")
        _fsync(journal)
        crash_point("restore:journal")
        replaced = _move_aside(paths)
        crash_point("restore:aside")
        staging = paths.home / f".{DATABASE}.restore.tmp"
        _copy(backup.path / DATABASE, staging)
        crash_point("restore:copied")
        os.replace(staging, paths.database)
        _fsync(paths.home)
        crash_point("restore:replaced")
        db.connect(paths.database).close()  # the schema brought up to date, checkpointed
        journal.unlink()
        _fsync(paths.home)
        return Restored(backup, replaced)


def entries_not_restored(paths: Paths, replaced: Path | None) -> list[tuple[Any, ...]]:
    """Reserve ledger entries the replaced database holds and the restored one does not (made
    after the backup): they are not replayed by any night, so the operator must record them
    again. Empty when the replaced database is gone or cannot be read."""
    if replaced is None:
        return []
    try:
        old = duckdb.connect(str(replaced / DATABASE), read_only=True)
    except duckdb.Error:
        return []
    try:
        before = db.run(old, "shared/reserve_entries")
    except duckdb.Error:
        return []
    finally:
        old.close()
    con = duckdb.connect(str(paths.database), read_only=True)
    try:
        now = set(db.run(con, "shared/reserve_entries"))
    finally:
        con.close()
    return [entry for entry in before if tuple(entry) not in now]


def _move_aside(paths: Paths) -> Path | None:
    """The current database (with its WAL, if it has one) moved to `replaced/<time>/`."""
    database = paths.database
    wal = database.with_name(database.name + ".wal")
    if not database.exists():
        return None  # lost, or moved aside by a restore that was stopped
    with suppress(duckdb.Error):  # its WAL into the file, if it opens; else kept as it is
        duckdb.connect(str(database)).close()
    root = paths.home / "replaced"
    root.mkdir(mode=0o700, exist_ok=True)
    stamp = datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    folder = root / stamp
    number = 1
    while folder.exists():
        number += 1
        folder = root / f"{stamp}-{number}"
    folder.mkdir(mode=0o700)
    if wal.exists():
        os.rename(wal, folder / wal.name)  # first: a WAL must never meet another database
    os.rename(database, folder / database.name)
    _fsync(paths.home)
    return folder
