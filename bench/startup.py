"""Start-up: `recall run intake` + `recall run compensate` on an empty inbox, as a coordinator
runs them (two processes), under each way of reaching a Prefect API; beside it, a bare Prefect
flow in a fresh process with Prefect's own temporary server, the cost we started from."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.pipeline import Measured, recall, stop_embedded, write_config
from flows.embedded import answers

BARE_FLOW = """
from prefect import flow

@flow
def bare() -> int:
    return 1

bare()
"""


def pair(home: Path, config: Path, **env: str) -> Measured:
    intake = recall(home, config, "run", "intake", **env)
    compensate = recall(home, config, "run", "compensate", **env)
    return Measured(
        intake.seconds + compensate.seconds, max(intake.peak_rss_mib, compensate.peak_rss_mib)
    )


def bare_flow(prefect_home: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API_URL")}
    env |= {"PREFECT_HOME": str(prefect_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE_FLOW], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


@contextmanager
def prefect_server(prefect_home: Path, port: int = 4299) -> Iterator[str]:
    """`prefect server start` on 127.0.0.1, as `recall server start` runs it."""
    env = {**os.environ, "PREFECT_HOME": str(prefect_home)}
    env.pop("PREFECT_API_URL", None)
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env=env,
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
        process.terminate()
        process.wait(timeout=60)


def main() -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="recall-bench-startup-"))
    try:
        return measure(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(work: Path) -> list[str]:
    config = work / "config-startup"
    write_config(config)
    home = work / "home-startup"
    first = pair(home, config)
    stop_embedded(home / "prefect")
    cold = pair(home, config)
    warm = pair(home, config)
    stop_embedded(home / "prefect")
    alone = pair(home, config, RECALL_PREFECT_IDLE_SECONDS="0")
    with prefect_server(work / "prefect-server") as url:
        pair(work / "home-served", config, PREFECT_API_URL=url)  # the server's first use
        served = pair(work / "home-served", config, PREFECT_API_URL=url)
    bare_flow(work / "prefect-bare")  # creates its database
    bare = bare_flow(work / "prefect-bare")
    return [
        "## Start-up",
        "",
        "`recall run intake` + `recall run compensate` on an empty inbox, two processes "
        "(targets: ≤ 10 s with the embedded default, ≤ 5 s with a local Prefect server):",
        "",
        f"- embedded, no server running (the first command starts it, the second uses it): "
        f"**{cold.seconds:.1f} s**",
        f"- embedded, its server still running from an earlier command: **{warm.seconds:.1f} s**",
        f"- embedded, a new data home (the server's first start creates its database): "
        f"{first.seconds:.1f} s",
        f"- embedded with RECALL_PREFECT_IDLE_SECONDS=0 (each command starts and stops its own "
        f"server): {alone.seconds:.1f} s",
        f"- a local Prefect server running (`recall server start`): **{served.seconds:.1f} s**",
        f"- reference: a bare Prefect flow in a fresh process with Prefect's own temporary "
        f"server: {bare:.1f} s per process",
        f"- peak RSS of a command: {warm.peak_rss_mib:,.0f} MiB",
    ]
