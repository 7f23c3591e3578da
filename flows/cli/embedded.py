"""The embedded Prefect API: one local server per data home, shared by the commands run on it.

With no PREFECT_API_URL, Prefect would start a temporary server inside every command and stop
it at the end: about 8 s of imports and app set-up per command on 2 cores, paid again by the
next command. Instead the first command starts the same server (Prefect's app, its database in
PREFECT_HOME, no UI) as a detached process while it imports its own modules, and later
commands find it through `$PREFECT_HOME/embedded-server.json`. The server stops itself after
RECALL_PREFECT_IDLE_SECONDS (default 600) without a request while no run holds the data home;
0 stops it when the command that started it ends. Run records stay in PREFECT_HOME either way.
A server stopping itself first takes itself out of the state file, which it cannot while a
command is choosing a server, so no command picks one that is stopping.
On a new data home the server's database starts as a copy of an empty one made once per
machine (flows/cli/server_database.py).

This module imports only the standard library at the top: the CLI calls `start()` before
Prefect is imported.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

IDLE_ENV = "RECALL_PREFECT_IDLE_SECONDS"
DEFAULT_IDLE_SECONDS = 600.0
STATE_FILE = "embedded-server.json"
LOG_FILE = "embedded-server.log"
# The environment Prefect's own temporary server runs with (prefect.server.api.server), and no
# block types registered at start: that imports every installed Prefect collection (Dask with
# prefect-dask, ~0.7 s) for the UI's block catalogue, which the embedded server does not serve.
# `recall server start` registers them.
SERVER_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}


@dataclass(frozen=True)
class Server:
    pid: int
    port: int

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"


_STARTED: list[Server] = []
_CHILDREN: list[subprocess.Popen[bytes]] = []  # polled so one that died is not a zombie


def idle_seconds() -> float:
    return float(os.environ.get(IDLE_ENV, DEFAULT_IDLE_SECONDS))


def _prefect_home() -> Path:
    return Path(os.environ["PREFECT_HOME"])


def _api_configured() -> bool:
    """A server was chosen already: exported, or set in a Prefect imported before us."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    if "prefect.settings" in sys.modules:
        from prefect.settings import PREFECT_API_URL

        return bool(PREFECT_API_URL.value())
    return False


def _alive(pid: int) -> bool:
    for child in _CHILDREN:
        if child.pid == pid:
            return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a server that died after its parent is a zombie until reaped: dead all the same
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def answers(api_url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def _state_lock(home: Path, wait: bool = True) -> Iterator[bool]:
    """Two commands starting at once start one server; a server stopping itself is taken out of
    the state file while no command is choosing one. Yields whether the lock is held (always
    when `wait`)."""
    with (home / f"{STATE_FILE}.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _recorded(home: Path) -> Server | None:
    try:
        info = json.loads((home / STATE_FILE).read_text(encoding="utf-8"))
        server = Server(pid=int(info["pid"]), port=int(info["port"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return server if _alive(server.pid) else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spawn(home: Path) -> Server:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    with (home / LOG_FILE).open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flows.cli.embedded", str(port)],
            env={**env, **SERVER_ENV},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # outlives the command; Ctrl-C in the terminal spares it
        )
    _CHILDREN.append(process)
    server = Server(pid=process.pid, port=port)
    (home / STATE_FILE).write_text(json.dumps({"pid": server.pid, "port": port}), "utf-8")
    if idle_seconds() <= 0:
        atexit.register(_stop, server)
    return server


def _stop(server: Server) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.pid, signal.SIGTERM)  # uvicorn shuts down, then dies of the signal
    _forget(_prefect_home(), server.pid)


def _forget(home: Path, pid: int, wait: bool = True) -> bool:
    """Remove the state file if it still names this server. Without `wait`, only when no
    command is choosing a server (it may be about to use this one): False otherwise."""
    with _state_lock(home, wait) as held:
        if not held:
            return False
        try:
            recorded = json.loads((home / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return True
        if recorded.get("pid") == pid:
            (home / STATE_FILE).unlink(missing_ok=True)
        return True


def start() -> Server | None:
    """Point this process's Prefect at the data home's server, starting it if none runs.

    Returns at once; `wait_ready()` waits for the server to answer. Does nothing (None) when
    a Prefect API is configured already.
    """
    if _STARTED:
        return _STARTED[0]
    if _api_configured() or os.environ.get("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE") == "false":
        return None
    home = _prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    with _state_lock(home):
        server = _recorded(home)
        if server is not None:
            answers(server.api_url)  # a request restarts its idle clock
        else:
            server = _spawn(home)
    os.environ["PREFECT_API_URL"] = server.api_url  # read when Prefect is imported, after this
    _STARTED.append(server)
    return server


def wait_ready(timeout: float | None = None) -> None:
    """Wait until the server `start()` chose answers (its first start creates its database)."""
    if not _STARTED:
        return
    server = _STARTED[0]
    if timeout is None:
        timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", 180))
    deadline = time.monotonic() + timeout
    while not answers(server.api_url):
        if not _alive(server.pid) or time.monotonic() > deadline:
            log = _prefect_home() / LOG_FILE
            raise RuntimeError(
                f"the embedded Prefect server (pid {server.pid}, port {server.port}) did not "
                f"answer within {timeout:.0f} s; its log: {log}"
            )
        time.sleep(0.1)


# --- the server process: python -m flows.cli.embedded PORT ---------------------------------------


def _lock_held(lock_file: Path) -> bool:
    """A recall run holds the data home (flows/shared/lock.py), so requests may come at any time."""
    if not lock_file.exists():
        return False
    with lock_file.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def serve(port: int) -> None:
    import asyncio

    import uvicorn
    from prefect.server.api.server import create_app
    from starlette.types import Receive, Scope, Send

    from flows.cli import server_database

    server_database.prepare()  # a new data home: its database, before anything is served
    prefect_app = create_app(final=True)
    last_request = [time.monotonic()]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            last_request[0] = time.monotonic()
        await prefect_app(scope, receive, send)

    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="on")
    server = uvicorn.Server(config)
    home, idle = _prefect_home(), idle_seconds()
    lock_file = Path(os.environ.get("RECALL_HOME", "var")) / "recall.lock"

    async def stop_when_idle() -> None:
        while not server.started:  # the first start creates the database: not idle time
            await asyncio.sleep(0.2)
        last_request[0] = time.monotonic()
        while not server.should_exit:
            await asyncio.sleep(1.0)
            quiet = time.monotonic() - last_request[0]
            idle_now = idle > 0 and quiet > idle and not _lock_held(lock_file)
            # out of the state file first, so that no command picks a server that is stopping
            if idle_now and _forget(home, os.getpid(), wait=False):
                server.should_exit = True

    async def main() -> None:
        watchdog = asyncio.create_task(stop_when_idle())
        try:
            await server.serve()
        finally:
            watchdog.cancel()
            _forget(home, os.getpid())

    asyncio.run(main())


if __name__ == "__main__":
    serve(int(sys.argv[1]))
