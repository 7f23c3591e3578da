"""The embedded server on a new data home: Prefect's migrations run once per machine and
Prefect version; later new data homes start from a copy of the empty database they made."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from flows.cli.embedded import SERVER_ENV, answers, free_port


def served_once(home: Path, cache: Path) -> Path:
    """Start the embedded server on `home` until it answers, then stop it; its database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECALL_"))}
    env |= SERVER_ENV | {
        "RECALL_HOME": str(home),
        "PREFECT_HOME": str(home / "prefect"),
        "XDG_CACHE_HOME": str(cache),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    (home / "prefect").mkdir(parents=True)  # as `recall` makes it (configure_environment)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flows.cli.embedded", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 300
        while not answers(f"http://127.0.0.1:{port}/api", timeout=1):
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    return home / "prefect" / "prefect.db"


def schema(database: Path) -> tuple[object, ...]:
    with sqlite3.connect(database) as con:
        version = con.execute("select version_num from alembic_version").fetchall()
        tables = con.execute("select name from sqlite_master where type = 'table' order by 1")
        return (version, tables.fetchall())


def test_a_new_data_home_starts_from_the_empty_database_the_first_one_migrated(tmp_path: Path):
    cache = tmp_path / "cache"
    first = served_once(tmp_path / "first", cache)
    [kept] = (cache / "recall").glob("prefect-*.db")
    assert schema(kept) == schema(first)
    with sqlite3.connect(kept) as con:  # made before any request: no run in it
        assert con.execute("select count(*) from flow_run").fetchone() == (0,)
    kept_before = kept.read_bytes()

    second = served_once(tmp_path / "second", cache)
    assert schema(second) == schema(first)
    assert kept.read_bytes() == kept_before  # read, not made again


def test_the_install_makes_the_cached_database_in_a_folder_of_its_own(tmp_path: Path):
    """`make` runs the migrations once after installing, so the first data home of a machine
    starts from a copy too; the user's own Prefect home is never touched."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECALL_"))}
    env |= {"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path / "user")}
    made = subprocess.run(
        [sys.executable, "-m", "flows.cli.server_database"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    [kept] = (tmp_path / "cache" / "recall").glob("prefect-*.db")
    assert str(kept) in made.stdout
    assert schema(kept)[0], "the migrations ran: alembic_version holds the head"
    assert not (tmp_path / "user" / ".prefect").exists()
    served = served_once(tmp_path / "home", tmp_path / "cache")
    assert schema(served) == schema(kept)
