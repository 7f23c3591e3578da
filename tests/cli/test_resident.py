"""`recall` through the resident process: commands run in its forks, with their own
environment, files and exit status; signals reach them, and they die with the command."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.embedded import free_port
from flows.cli.launch import home_and_command
from flows.cli.main import app
from flows.cli.resident import fingerprint
from flows.shared.settings import SHIPPED_CONFIG_DIR
from tests.conftest import AS_OF, CAMPAIGN, RECALL, stop_residents


def environment(runtime: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECALL_"))}
    env |= {"XDG_RUNTIME_DIR": str(runtime), "RECALL_PREFECT_IDLE_SECONDS": "4", **extra}
    return env


def recall(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [*RECALL, "--config-dir", str(SHIPPED_CONFIG_DIR), *args]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)


def processes(match: bytes) -> dict[int, int]:
    """pid → parent pid of the processes whose command line holds `match`."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if match in cmdline and state != "Z":
            found[int(proc.name)] = int(parent)
    return found


def state(pid: int) -> str:
    """R, S, T (stopped), ... as /proc shows the process."""
    return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]


def started(runtime: Path) -> int:
    """The one resident process of this folder; its log if there is none."""
    found = residents(runtime)
    logs = "".join(p.read_text() for p in (runtime / "recall").glob("*.log"))
    assert len(found) == 1, logs
    return found[0]


def residents(runtime: Path) -> list[int]:
    """The resident processes of this runtime folder (not their forks, which share their
    command line)."""
    found = processes(str(runtime / "recall").encode())
    return sorted(pid for pid, parent in found.items() if parent not in found)


def forks(resident: int) -> list[int]:
    return sorted(
        pid for pid, parent in processes(b"flows.cli.resident").items() if parent == resident
    )


def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def runtime() -> Iterator[Path]:
    """A folder for resident processes (short: a socket's path has ≤ 107 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="rr-", dir="/tmp"))
    yield folder
    stop_residents(folder)
    shutil.rmtree(folder, ignore_errors=True)


def test_commands_run_in_forks_of_one_resident_process(tmp_path: Path, runtime: Path):
    from prefect.settings import PREFECT_API_URL

    home = tmp_path / "var"
    env = environment(runtime, RECALL_HOME="var")  # relative: the command's working directory
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())  # the tests' server: runs recorded
    day = ("--as-of", AS_OF.isoformat())

    intake = recall(env, tmp_path, "run", "intake", "-c", CAMPAIGN, *day)
    assert intake.returncode == 0, intake.stdout + intake.stderr
    assert "Intake run" in intake.stdout
    resident = started(runtime)
    assert (home / "recall.duckdb").exists()  # the fork worked in the command's folder

    compensate = recall(env, tmp_path, "run", "compensate", "-c", CAMPAIGN, *day)
    assert compensate.returncode == 0, compensate.stdout + compensate.stderr
    assert "Compensate run" in compensate.stdout
    status = recall(env, tmp_path, "status", "-c", CAMPAIGN)
    assert status.returncode == 0, status.stderr
    assert "intake" in status.stdout and "compensate" in status.stdout
    other_home = {**env, "RECALL_HOME": str(tmp_path / "other")}
    top_up = ("reserve", "add", "-c", CAMPAIGN, "--amount", "1.00", "--note", "test")
    elsewhere = recall(other_home, tmp_path, *top_up)  # a new data home
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert residents(runtime) == [resident]  # all four served by the same one, any data home

    # the command's exit status and error output, as when run in its own process
    missing = recall(env, tmp_path, "run", "intake", "-c", "NO-SUCH", *day)
    args = ["--config-dir", str(SHIPPED_CONFIG_DIR), "run", "intake", "-c", "NO-SUCH", *day]
    here = CliRunner().invoke(app, args)  # the same command in this process
    assert missing.returncode == here.exit_code == 2
    assert "NO-SUCH.toml: campaign configuration not found" in missing.stderr
    assert missing.stdout == "" and missing.stderr == here.output  # errors on standard error

    # it stops once idle (RECALL_PREFECT_IDLE_SECONDS, here 4 s), its socket gone
    assert wait_for(lambda: residents(runtime) == [], 30)
    assert list((runtime / "recall").glob("*.sock")) == []


def test_one_resident_process_per_environment_and_code():
    env = {"PATH": "/usr/bin", "RECALL_HOME": "/a", "PREFECT_API_URL": "http://x", "PWD": "/"}
    same = fingerprint(env)
    # read when a command runs: the same resident process serves them
    assert fingerprint(env | {"RECALL_HOME": "/b", "RECALL_CRASH_AT": "x", "PWD": "/t"}) == same
    assert fingerprint({k: v for k, v in env.items() if k != "PREFECT_API_URL"}) == same
    # read at import, or the resident process's own lifetime: another one
    assert fingerprint(env | {"PREFECT_LOGGING_LEVEL": "DEBUG"}) != same
    assert fingerprint(env | {"RECALL_PREFECT_IDLE_SECONDS": "5"}) != same
    assert fingerprint(env | {"PATH": "/bin"}) != same


def test_signals_reach_the_command_and_it_dies_with_recall(tmp_path: Path, runtime: Path):
    """`recall server start` runs a Prefect server in the fork's process group: Ctrl-Z to
    `recall` stops them until `recall` goes on, Ctrl-C to `recall` stops both; `recall` killed
    outright takes them with it."""
    env = environment(runtime, RECALL_HOME=str(tmp_path / "var"))
    for how in (signal.SIGINT, signal.SIGKILL):
        signal_server_start(runtime, env, free_port(), how)


def signal_server_start(runtime: Path, env: dict[str, str], port: int, how: int) -> None:
    client = subprocess.Popen(
        [*RECALL, "server", "start", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = "\0".join(["prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)])
    pattern = server.encode()

    def served_by_a_fork() -> bool:  # the Prefect server runs, started by the command's fork
        found = residents(runtime)
        return len(found) == 1 and set(processes(pattern).values()) == set(forks(found[0])) != set()

    assert wait_for(lambda: (runtime / "recall").exists() and served_by_a_fork(), 60), [
        p.read_text() for p in (runtime / "recall").glob("*.log")
    ]
    resident = started(runtime)
    if how == signal.SIGINT:  # first Ctrl-Z: the command stops with `recall`, and goes on with it
        (fork,) = forks(resident)
        client.send_signal(signal.SIGTSTP)
        assert wait_for(lambda: state(client.pid) == state(fork) == "T", 10)
        client.send_signal(signal.SIGCONT)
        assert wait_for(lambda: "T" not in (state(client.pid), state(fork)), 10)
    client.send_signal(how)
    client.wait(timeout=30)
    assert wait_for(lambda: processes(pattern) == {} and forks(resident) == [], 30)
    assert residents(runtime) == [resident]  # and serves on


def test_no_resident_process_when_it_cannot_be_private(tmp_path: Path, runtime: Path):
    (runtime / "recall").mkdir(mode=0o755)
    (runtime / "recall").chmod(0o755)  # open to other users: not used
    env = environment(runtime)
    result = recall(env, tmp_path, "reserve", "add", "-c", CAMPAIGN, "--amount", "1", "--note", "n")
    assert result.returncode == 0, result.stderr
    assert residents(runtime) == []


def test_the_launcher_finds_the_data_home_and_the_command():
    assert home_and_command(["--home", "/data", "run", "intake", "--home", "x"]) == (
        Path("/data"),
        "run",
    )
    assert home_and_command(["--config-dir", "cfg", "--home=d", "demo"]) == (Path("d"), "demo")
    assert home_and_command(["--config-dir", "run", "status"]) == (None, "status")
    assert home_and_command(["--help"]) == (None, None)
