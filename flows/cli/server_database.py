"""The embedded server's Prefect database on a new data home: a copy of an empty one.

Prefect creates its database by running every migration since its first release: about 4 s of
CPU on 2 cores, paid at the first start of the server on each new data home. The first such
start on a machine runs them (Prefect's own `create_db`) before the server is created, so
before it can answer a request, and keeps the migrated, still empty database in the user's
cache: `$XDG_CACHE_HOME/recall/prefect-<Prefect version>.db` (else `~/.cache/recall`). Later new
data homes start from a copy of it, and the server's own migration on start finds nothing to
do. It holds no run, log or personal data: it is copied before any request. A database that is
not SQLite (a PostgreSQL server configured for Prefect) is left to Prefect.

Imported by the server process (`python -m flows.cli.embedded PORT`) only: it imports Prefect.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from pathlib import Path

SQLITE = "sqlite+aiosqlite:///"


def database_file() -> Path | None:
    """Prefect's SQLite database file, or None when Prefect uses another database."""
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL

    url = str(PREFECT_API_DATABASE_CONNECTION_URL.value() or "")
    return Path(url.removeprefix(SQLITE)) if url.startswith(SQLITE) else None


def cached_database() -> Path:
    import prefect

    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "recall" / f"prefect-{prefect.__version__}.db"


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy (SQLite's backup, so a write-ahead log is included), written beside
    `target` and renamed over it: a copy cut short is never taken for a database."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with (
            contextlib.closing(sqlite3.connect(source)) as src,
            contextlib.closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def prepare() -> None:
    """Before the server is created: a new database is the cached copy when there is one, else
    made by Prefect's migrations here and then kept as that copy (best effort: a cache that
    cannot be written only costs the next new data home the migrations)."""
    database = database_file()
    if database is None or database.exists():
        return
    cached = cached_database()
    if cached.exists():
        with contextlib.suppress(OSError, sqlite3.Error):
            copy_database(cached, database)
            return
    from prefect.server.database import provide_database_interface

    asyncio.run(provide_database_interface().create_db())
    with contextlib.suppress(OSError, sqlite3.Error):
        copy_database(database, cached)


def main() -> None:
    """`python -m flows.cli.server_database`, run by `make` after installing: Prefect's
    migrations run once, into a folder of their own (never the user's Prefect database), so
    that even the first data home of the machine starts from the cached copy."""
    import shutil
    import tempfile

    if os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL"):
        return  # a database of the user's choosing: Prefect's to make
    scratch = tempfile.mkdtemp(prefix="recall-prefect-")
    try:
        os.environ["PREFECT_HOME"] = scratch  # read when Prefect is imported, below
        os.environ["PREFECT_API_DATABASE_CONNECTION_URL"] = f"{SQLITE}{scratch}/prefect.db"
        prepare()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"Prefect's empty database for new data homes: {cached_database()}")


if __name__ == "__main__":
    main()
