"""A resident process for `recall`: Prefect and the flows imported once, each command a fork.

Importing Prefect, Polars, DuckDB and the flows costs a command ~3 s of CPU on 2 cores before
it does anything, paid again by the next command. `recall` (flows/cli/launch.py) instead asks a
resident process that holds them imported to fork; the fork runs the command exactly as
`recall` would have — its arguments, environment, working directory and umask, its standard
input, output and error (passed as file descriptors) — and its exit status is the command's.
Signals `recall` receives (Ctrl-C, SIGTERM, SIGHUP) go to the fork's process group; if `recall`
dies, the fork is killed, so a command never outlives its terminal.

One resident process per environment and code: the socket's name is a hash of the Python, the
environment (less PWD, OLDPWD, PREFECT_API_URL and our RECALL_* variables, which are read when
a command runs) and the flows' source files and installed packages, so a changed file or
package starts a fresh one. It
stops after RECALL_PREFECT_IDLE_SECONDS (default 600) without a command and none running.
RECALL_RESIDENT=0 runs every command in its own process, as before.

The resident process only imports: it never runs a flow, opens a database or touches Polars,
so no thread pool or lock of theirs exists when it forks. The fork reads Prefect's settings
and logging again once the command has set its environment (flows.shared.settings.refresh_prefect).

This module imports only the standard library at the top: `recall` loads it before anything.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from flows.cli.embedded import IDLE_ENV, idle_seconds, locked

ENABLE_ENV = "RECALL_RESIDENT"
# Differ between commands of one shell without changing what a command does.
UNHASHED_ENV = ("PWD", "OLDPWD", "PREFECT_API_URL", "_")
STD_FDS = (0, 1, 2)
START_TIMEOUT_SECONDS = 120.0
_HEADER = struct.Struct("!I")


class Unavailable(Exception):
    """No resident process can serve this command: run it in this process."""


def enabled() -> bool:
    """Off with RECALL_RESIDENT=0, and when nothing may stay behind a command (idle 0)."""
    return os.environ.get(ENABLE_ENV, "1") != "0" and idle_seconds() > 0


def runtime_dir() -> Path:
    """A folder only this user can use: $XDG_RUNTIME_DIR/recall or /tmp/recall-<uid>."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    folder = (
        Path(base) / "recall" if base else Path(tempfile.gettempdir()) / f"recall-{os.getuid()}"
    )
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700, parents=True)
    info = folder.lstat()
    if not folder.is_dir() or folder.is_symlink() or info.st_uid != os.getuid():
        raise Unavailable(f"{folder} is not a folder of this user")
    if info.st_mode & 0o077:
        raise Unavailable(f"{folder} is open to other users")
    return folder


def _code_stamp() -> list[object]:
    package = Path(__file__).parent
    sources = sorted(package.glob("*.py"))
    stamp: list[object] = [[p.name, p.stat().st_mtime_ns, p.stat().st_size] for p in sources]
    purelib = Path(sysconfig.get_paths()["purelib"])
    stamp.append(purelib.stat().st_mtime_ns if purelib.is_dir() else 0)  # packages (un)installed
    return stamp


def _hashed(key: str) -> bool:
    """Variables of ours are read when a command runs, not at import: one resident process
    serves every data home, config folder and crash point. Its own lifetime is its own."""
    if key.startswith("RECALL_") and key != IDLE_ENV:
        return False
    return key not in UNHASHED_ENV


def fingerprint(environ: dict[str, str]) -> str:
    env = sorted((k, v) for k, v in environ.items() if _hashed(k))
    blob = json.dumps([sys.executable, env, _code_stamp()]).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


# --- the command's side: flows/cli/launch.py -----------------------------------------------------


def run_command(argv: list[str], environ: dict[str, str]) -> int:
    """Run `recall argv[1:]` with this environment in a fork of the resident process; its
    exit status. Unavailable only before the command was handed over, so that running it
    here instead never runs it twice."""
    try:
        for fd in STD_FDS:
            os.fstat(fd)
        conn = _connect_or_start(runtime_dir(), fingerprint(environ), environ)
    except OSError as exc:
        raise Unavailable(str(exc)) from exc
    with conn:
        request = json.dumps(
            {"argv": argv, "env": environ, "cwd": os.getcwd(), "umask": _umask()}
        ).encode()
        fds = array.array("i", STD_FDS)
        try:
            conn.sendmsg(
                [_HEADER.pack(len(request))], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)]
            )
            conn.sendall(request)
            replies = conn.makefile("r", encoding="utf-8")
            first = replies.readline()
        except OSError as exc:  # a request cut short is refused: no fork was made
            raise Unavailable(str(exc)) from exc
        if not first:
            raise Unavailable("the resident process refused the command")
        pid = int(json.loads(first)["pid"])
        with _forwarding_signals(pid):
            try:
                last = replies.readline()
            except OSError:
                last = ""
    if not last:  # the resident process died; the fork was killed with it or runs on alone
        print("recall: lost the resident process running this command", file=sys.stderr)
        return 1
    code = int(json.loads(last)["exit"])
    if code < 0:  # killed by a signal: so is `recall`, for its caller to see
        with contextlib.suppress(OSError, ValueError):  # SIGKILL and SIGSTOP take no handler
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        return 128 - code
    return code


def _umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _forwarding_signals(pid: int) -> Iterator[None]:
    """Signals to `recall` reach the fork's process group while the command runs. Ctrl-Z
    stops the fork's group and then `recall`, both with SIGSTOP (SIGTSTP is discarded in a
    process group with no parent in its session, as the fork's is, and `recall`'s may be);
    continuing `recall` continues them."""

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signum)

    def suspend(_signum: int, _frame: object) -> None:
        forward(signal.SIGSTOP, None)
        os.kill(os.getpid(), signal.SIGSTOP)  # stops here until continued

    handlers: dict[int, Callable[[int, object], None]] = {
        signum: forward
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCONT)
    }
    handlers[signal.SIGTSTP] = suspend
    previous = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _connect(path: Path) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        conn.close()
        return None
    return conn


def _connect_or_start(folder: Path, key: str, environ: dict[str, str]) -> socket.socket:
    path = folder / f"{key}.sock"
    conn = _connect(path)
    if conn is not None:
        return conn
    with locked(folder / f"{key}.lock"):  # two commands at once start one resident process
        conn = _connect(path)
        if conn is not None:
            return conn
        path.unlink(missing_ok=True)  # left by one that died
        log = folder / f"{key}.log"
        with open(log, "ab", opener=lambda p, f: os.open(p, f, 0o600)) as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "flows.cli.resident", str(path)],
                env=environ,
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,  # outlives the command; the terminal's signals spare it
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while (conn := _connect(path)) is None:
            if process.poll() is not None or time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                raise Unavailable(f"the resident process did not start; its log: {log}")
            time.sleep(0.02)
        return conn


# --- the resident process: python -m flows.cli.resident SOCKET ------------------------------------


# What commands import, found by diffing sys.modules around intake, compensate, letters and
# reconcile runs; Polars' DuckDB bridge imports pyarrow, numpy and pandas on first use.
PRELOAD = (
    "prefect.flow_engine",
    "prefect.task_engine",
    "prefect.utilities.visualization",
    "fastapi",
    "anyio._backends._asyncio",
    "rich.status",
    "flows.cli.main",
    "flows.cli.demo",
    "flows.nightly",
    "flows.cli.status",
    "flows.intake.flow",
    "flows.compensate.flow",
    "flows.letters.flow",
    "flows.reconcile.flow",
    "flows.compensate.reviews",
    "flows.scale.partitions",
    "duckdb.polars_io",
    "pyarrow.compute",
)
# Imported by the above when installed (pandas is, with the bench extra).
OPTIONAL_PRELOAD = ("pandas",)


def _preload() -> None:
    """Import what commands import, so that forks find it imported; and nothing else: no
    flow runs, no database, no Polars query, so no thread pool or lock exists at fork."""
    import importlib

    from flows.shared import settings

    for key, value in settings.PREFECT_DEFAULTS.items():  # as a command's Prefect will read
        os.environ.setdefault(key, value)
    os.environ.pop("PREFECT_API_URL", None)  # each command finds its own
    settings.LOGGING_AT_IMPORT = settings.logging_environment()
    for name in PRELOAD:
        importlib.import_module(name)
    for name in OPTIONAL_PRELOAD:
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(name)


def serve(path: Path) -> None:
    home = path.parent / "prefect-home"  # Prefect's own, until a command sets the real one
    os.environ.setdefault("PREFECT_HOME", str(home))
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
    _preload()
    idle = idle_seconds()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))  # only now do commands find it: the imports are done
    listener.listen(16)
    inode = path.stat().st_ino
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(wake_r, selectors.EVENT_READ)
    running: dict[int, socket.socket] = {}
    last = time.monotonic()
    try:
        while running or time.monotonic() - last < idle:
            for event, _ in selector.select(timeout=1.0):
                if event.fileobj is listener:
                    _accept(listener, selector, running, (listener.fileno(), wake_r, wake_w))
                elif event.fileobj is wake_r:
                    os.read(wake_r, 512)
                else:  # a command's connection: EOF means the command died
                    conn = event.fileobj
                    assert isinstance(conn, socket.socket)
                    if conn.recv(64):
                        continue
                    selector.unregister(conn)
                    for pid, owner in running.items():
                        if owner is conn:
                            _kill(pid)
            _reap(selector, running)
            if running:
                last = time.monotonic()
    finally:
        with contextlib.suppress(OSError):
            if path.stat().st_ino == inode:
                path.unlink()


def _accept(
    listener: socket.socket,
    selector: selectors.BaseSelector,
    running: dict[int, socket.socket],
    inherited: tuple[int, ...],
) -> None:
    conn, _ = listener.accept()
    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        if struct.unpack("3i", creds)[1] != os.getuid():
            conn.close()
            return
        conn.settimeout(10)
        request, fds = _receive(conn)
    except (OSError, ValueError):
        conn.close()
        return
    sys.stdout.flush()  # else the fork would write out the resident process's buffer too
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the command
        conn.close()
        for fd in (*inherited, *(c.fileno() for c in running.values())):
            with contextlib.suppress(OSError):
                os.close(fd)
        _run_forked(request, fds)
    for fd in fds:
        os.close(fd)
    conn.settimeout(None)
    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    running[pid] = conn
    selector.register(conn, selectors.EVENT_READ)


def _receive(conn: socket.socket) -> tuple[dict[str, object], list[int]]:
    fds = array.array("i")
    header, ancillary, _, _ = conn.recvmsg(_HEADER.size, socket.CMSG_SPACE(len(STD_FDS) * 4))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
    if len(header) != _HEADER.size or len(fds) != len(STD_FDS):
        for fd in fds:
            os.close(fd)
        raise ValueError("malformed request")
    (size,) = _HEADER.unpack(header)
    body = bytearray()
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ValueError("truncated request")
        body += chunk
    return json.loads(body), list(fds)


def _kill(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, signal.SIGKILL)


def _reap(selector: selectors.BaseSelector, running: dict[int, socket.socket]) -> None:
    while running:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = running.pop(pid, None)
        if conn is None:
            continue
        code = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(conn)
        with contextlib.suppress(OSError), conn:
            conn.sendall(json.dumps({"exit": code}).encode() + b"\n")


def _run_forked(request: dict[str, object], fds: list[int]) -> None:
    """In the fork: become the command, run it, exit with its status. Never returns."""
    code = 1
    try:
        os.setsid()  # a process group of its own, for the signals `recall` passes on
        for target, fd in zip(STD_FDS, fds, strict=True):
            os.dup2(fd, target)
            os.close(fd)
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(str(request["cwd"]))
        os.umask(int(str(request["umask"])))
        env = request["env"]
        assert isinstance(env, dict)
        os.environ.clear()
        os.environ.update(env)
        argv = request["argv"]
        assert isinstance(argv, list)
        sys.argv = [str(a) for a in argv]
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(AttributeError, OSError):
                stream.reconfigure(line_buffering=stream.isatty())  # type: ignore[union-attr]
        code = _command(sys.argv)
    except KeyboardInterrupt:
        code = 130
    except BaseException as exc:  # outside the command line's own handling: still one line
        _one_line(exc)
    finally:
        with contextlib.suppress(BaseException):
            import atexit

            atexit._run_exitfuncs()
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _one_line(exc: BaseException) -> None:
    """The error as one line on the command's terminal; its traceback in the log file."""
    try:
        from flows.shared.errors import first_line, log_traceback

        print(f"recall: {first_line(exc)} (traceback in {log_traceback(exc)})", file=sys.stderr)
    except BaseException:
        import traceback

        traceback.print_exc()


def _command(argv: list[str]) -> int:
    from rich.console import Console

    from flows.cli import main as cli
    from flows.shared import settings

    settings.REFRESH_PREFECT = True
    cli.console = Console()  # sees this command's terminal, not the resident process's log
    cli.errors = Console(stderr=True)
    try:
        cli.app(args=argv[1:], prog_name=Path(argv[0]).name)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
