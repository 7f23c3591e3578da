"""The embedded Prefect server: started by the first command, shared by the next, stopping
itself when idle; the run records stay in the data home's Prefect database."""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from flows.cli.embedded import LOG_FILE, STATE_FILE, answers
from flows.shared.settings import SHIPPED_CONFIG_DIR
from tests.conftest import AS_OF, CAMPAIGN

# Idle seconds of the server in the test: longer than a command takes to reach it on 2 busy
# cores (at 4 s, the second command found it stopping itself when the machine was loaded).
IDLE = 10


def recall(home: Path, idle: float, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECALL_"))}
    env["RECALL_PREFECT_IDLE_SECONDS"] = str(idle)
    command = [sys.executable, "-m", "flows.cli.main", "--home", str(home)]
    command += ["--config-dir", str(SHIPPED_CONFIG_DIR), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def gone_within(home: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while servers_of(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    return servers_of(home) == []


def flow_runs(port: int) -> int:
    """How many flow runs the server knows (a count: the filter endpoint returns 200 at most)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/flow_runs/count",
        data=b"{}",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(json.load(response))


def prefect_database_from_the_harness(home: Path) -> None:
    """A migrated Prefect database for the data home: a first start would spend ~20 s
    creating one (what the benchmarks measure, not what this test is about)."""
    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL

    url = str(PREFECT_API_DATABASE_CONNECTION_URL.value())
    if not url.startswith("sqlite+aiosqlite:///"):
        return
    (home / "prefect").mkdir(parents=True)
    source = sqlite3.connect(url.removeprefix("sqlite+aiosqlite:///"))
    target = sqlite3.connect(home / "prefect" / "prefect.db")
    with target:
        source.backup(target)
    source.close()
    target.close()


def test_second_command_uses_the_first_ones_server_which_stops_when_idle(tmp_path: Path):
    home = tmp_path / "var"
    prefect_database_from_the_harness(home)
    state = home / "prefect" / STATE_FILE
    intake = ("run", "intake", "-c", CAMPAIGN, "--as-of", AS_OF.isoformat())
    first = recall(home, IDLE, *intake)
    assert first.returncode == 0, first.stdout + first.stderr
    server = json.loads(state.read_text(encoding="utf-8"))
    assert servers_of(home) == [server["pid"]]  # outlives the command that started it
    runs = flow_runs(server["port"])

    second = recall(home, IDLE, "run", "compensate", "-c", CAMPAIGN, "--as-of", AS_OF.isoformat())
    assert second.returncode == 0, second.stdout + second.stderr
    assert json.loads(state.read_text(encoding="utf-8")) == server
    assert flow_runs(server["port"]) == runs + 1  # recorded by the same server

    assert gone_within(home, 30), (home / "prefect" / LOG_FILE).read_text()
    assert not state.exists()

    # 0: a new server, stopped when the command ends
    third = recall(home, 0, *intake)
    assert third.returncode == 0, third.stdout + third.stderr
    assert not state.exists()
    assert gone_within(home, 15)


def servers_of(home: Path) -> list[int]:
    """Embedded servers running on this data home (their environment names its Prefect home)."""
    wanted = f"PREFECT_HOME={home / 'prefect'}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"flows.cli.embedded" in cmdline and wanted in environ:
            found.append(int(proc.name))
    return found


def test_a_server_idle_long_enough_stays_while_a_command_is_choosing_a_server(tmp_path: Path):
    """A server stops itself only once it has taken itself out of the state file, which it
    cannot while a command holds the state lock (choosing a server, about to use this one):
    a command never picks a server that is stopping."""
    home = tmp_path / "var"
    prefect_database_from_the_harness(home)
    state = home / "prefect" / STATE_FILE
    started = recall(home, 2, "run", "intake", "-c", CAMPAIGN, "--as-of", AS_OF.isoformat())
    assert started.returncode == 0, started.stdout + started.stderr
    server = json.loads(state.read_text(encoding="utf-8"))
    with (home / "prefect" / f"{STATE_FILE}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a command's embedded.start() holds it
        time.sleep(6)  # three times its idle time
        assert json.loads(state.read_text(encoding="utf-8")) == server
        assert answers(f"http://127.0.0.1:{server['port']}/api")  # still serving
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert gone_within(home, 30), (home / "prefect" / LOG_FILE).read_text()
    assert not state.exists()
