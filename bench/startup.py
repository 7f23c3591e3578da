"""Start-up: `recall run intake` + `recall run compensate` on an empty inbox, as a coordinator
runs them (two commands), under each way of reaching a Prefect API, through the resident
process (as the `recall` script runs them) and each in its own process; beside it, a bare
Prefect flow in a fresh process with Prefect's own temporary server, the cost we started from."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.measure import Measured
from bench.pipeline import recall, shell_env, stop_embedded, write_config
from flows.cli.embedded import answers

BARE_FLOW = """
from prefect import flow

@flow
def bare() -> int:
    return 1

bare()
"""


def pair(home: Path, config: Path, entry: str = "flows.cli.main", **env: str) -> Measured:
    intake = recall(home, config, "run", "intake", entry=entry, **env)
    compensate = recall(home, config, "run", "compensate", entry=entry, **env)
    return Measured(
        intake.seconds + compensate.seconds, max(intake.peak_rss_mib, compensate.peak_rss_mib)
    )


def bare_flow(prefect_home: Path) -> float:
    env = shell_env(PREFECT_HOME=str(prefect_home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE_FLOW], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="recall-bench-startup-"))
    try:
        return measure(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


class Resident:
    """`recall` as the script runs it, its resident processes in folders of the benchmark's:
    each `fresh()` folder has none yet, so the next command there starts one."""

    def __init__(self, work: Path) -> None:
        self.work, self.runs = work, 0
        self.fresh()

    def fresh(self) -> None:
        self.runs += 1
        self.runtime = self.work / f"runtime-{self.runs}"
        self.runtime.mkdir(mode=0o700)

    def env(self, home: Path, config: Path) -> dict[str, str]:
        return shell_env(
            RECALL_HOME=str(home), RECALL_CONFIG_DIR=str(config), XDG_RUNTIME_DIR=str(self.runtime)
        )

    def pair(self, home: Path, config: Path, **env: str) -> Measured:
        return pair(home, config, "flows.cli.launch", XDG_RUNTIME_DIR=str(self.runtime), **env)

    @contextmanager
    def server_start(self, home: Path, config: Path, port: int = 4298) -> Iterator[str]:
        """`recall server start`, as a coordinator starts the local server: through the
        resident process, which it starts, and Ctrl-C to stop it."""
        command = [sys.executable, "-m", "flows.cli.launch", "server", "start", "--port", str(port)]
        process = subprocess.Popen(
            command,
            env=self.env(home, config),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}/api"
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and not answers(url):
                time.sleep(0.5)
            yield url
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)

    def stop(self) -> None:
        for proc in Path("/proc").iterdir():
            with contextlib.suppress(OSError, ValueError):
                if str(self.work).encode() in (proc / "cmdline").read_bytes():
                    os.kill(int(proc.name), signal.SIGTERM)


def measure(work: Path) -> list[str]:
    config = work / "config-startup"
    write_config(config)
    home, served_home = work / "home-startup", work / "home-served"
    resident = Resident(work)
    try:
        first = resident.pair(home, config)  # the server's first start creates its database
        stop_embedded(home / "prefect")
        resident.fresh()
        cold = resident.pair(home, config)  # nothing running
        warm = resident.pair(home, config)  # both running from the commands before
        stop_embedded(home / "prefect")
        own_cold = pair(home, config)
        own_warm = pair(home, config)
        stop_embedded(home / "prefect")
        resident.fresh()
        with resident.server_start(served_home, config) as url:
            pair(served_home, config, PREFECT_API_URL=url)  # the server's first use
            own_served = pair(served_home, config, PREFECT_API_URL=url)
            served = resident.pair(served_home, config, PREFECT_API_URL=url)
            resident.fresh()
            served_cold = resident.pair(served_home, config, PREFECT_API_URL=url)
    finally:
        resident.stop()
    bare_flow(work / "prefect-bare")  # creates its database
    bare = bare_flow(work / "prefect-bare")
    return [
        "## Start-up",
        "",
        "`recall run intake` + `recall run compensate` on an empty inbox, two commands "
        "(targets: ≤ 10 s with the embedded default and no server running, ≤ 5 s with a local "
        "Prefect server running). `recall` runs each command in a fork of its resident "
        "process (flows/cli/resident.py), which the first command starts:",
        "",
        f"- embedded, nothing running (the first command starts the resident process and the "
        f"Prefect server, the second uses both): **{cold.seconds:.1f} s**",
        f"- embedded, both running from earlier commands: **{warm.seconds:.1f} s**",
        f"- a local Prefect server running, started with `recall server start` (which starts "
        f"the resident process): **{served.seconds:.1f} s**; the resident process started by "
        f"the first command instead: {served_cold.seconds:.1f} s",
        f"- embedded, a new data home (the server's first start creates its database): "
        f"{first.seconds:.1f} s",
        "",
        "Each command in its own process (`RECALL_RESIDENT=0`, as before the resident process):",
        "",
        f"- embedded, no server running: {own_cold.seconds:.1f} s; its server running: "
        f"{own_warm.seconds:.1f} s; a local Prefect server running: {own_served.seconds:.1f} s",
        f"- reference: a bare Prefect flow in a fresh process with Prefect's own temporary "
        f"server: {bare:.1f} s per process",
        f"- peak RSS of a command in its own process: {own_warm.peak_rss_mib:,.0f} MiB",
    ]
