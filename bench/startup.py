"""Start-up: how long a coordinator waits for a `recall` command that has little to do, each
command in its own process as the `recall` script runs it, the Prefect API the embedded one:

- `recall status` (runs no flow: imports no Prefect);
- `recall run intake` on an empty inbox, the data home's embedded Prefect server running;
- the first commands on a new data home, `recall run intake` then `recall run compensate`: the
  first starts the embedded server, which makes its database — a copy of the empty one kept in
  the user's cache (flows/cli/server_database.py) — and the same on the first data home of a
  machine, whose server runs Prefect's migrations to make it (and keeps it in the cache).

Each measure is taken BENCH_STARTUP_RUNS times (default 3), new data homes each time; the table
gives the best and the median, and the target is judged on the median. Beside it, a bare Prefect
flow in a fresh process with Prefect's own temporary server, the cost we started from.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import Measured, measured
from bench.pipeline import AS_OF, CAMPAIGN, shell_env, stop_embedded, write_config

RUNS_ENV = "BENCH_STARTUP_RUNS"
BARE_FLOW = """
from prefect import flow

@flow
def bare() -> int:
    return 1

bare()
"""
# what the `recall` script runs ([project.scripts]), in a process of its own
RECALL = [sys.executable, "-c", "import sys; from flows.cli.main import app; sys.exit(app())"]


def recall(home: Path, config: Path, cache: Path, *args: str) -> Measured:
    env = shell_env(RECALL_HOME=str(home), RECALL_CONFIG_DIR=str(config), XDG_CACHE_HOME=str(cache))
    return measured([*RECALL, *args], f"recall {' '.join(args)}", env)[0]


def new_home(home: Path, config: Path, cache: Path) -> Measured:
    """`recall run intake` + `recall run compensate` on a new data home; the first starts the
    embedded server, which makes the data home's Prefect database."""
    day = ("-c", CAMPAIGN, "--as-of", AS_OF)
    intake = recall(home, config, cache, "run", "intake", *day)
    compensate = recall(home, config, cache, "run", "compensate", *day)
    return Measured(
        intake.seconds + compensate.seconds, max(intake.peak_rss_mib, compensate.peak_rss_mib)
    )


def one_run(work: Path, config: Path, run: int) -> dict[str, Measured]:
    """The measures of one run: a new data home on a machine where none was made yet (a new
    cache: Prefect's migrations run), then another (the empty database copied from the cache),
    on which the other commands run. Their embedded servers are stopped at the end."""
    cache, first, home = work / f"cache-{run}", work / f"first-{run}", work / f"home-{run}"
    try:
        measures = {"first": new_home(first, config, cache)}
        measures["cached"] = new_home(home, config, cache)
        day = ("-c", CAMPAIGN, "--as-of", AS_OF)
        measures["warm"] = recall(home, config, cache, "run", "intake", *day)  # server running
        measures["status"] = recall(home, config, cache, "status", "-c", CAMPAIGN)
    finally:
        stop_embedded(first / "prefect")
        stop_embedded(home / "prefect")
    return measures


def bare_flow(prefect_home: Path) -> float:
    env = shell_env(
        PREFECT_HOME=str(prefect_home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180",  # its first start, 2 busy cores
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", BARE_FLOW], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


MEASURES = (  # key, what was run, short name, target seconds
    ("status", "`recall status`", "status", 1.0),
    ("warm", "`recall run intake`, empty inbox, the embedded server running", "intake", 4.5),
    (
        "cached",
        "`recall run intake` + `recall run compensate` on a new data home",
        "new home",
        12.0,
    ),
    (
        "first",
        "the same on the first data home of a machine (Prefect's migrations run)",
        "first home",
        12.0,
    ),
)


def table(runs: list[dict[str, Measured]]) -> list[str]:
    lines = [
        "| command (each in its own process) | target | best s | median s | target met? "
        "| peak RSS MiB |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for key, label, _, target in MEASURES:
        seconds = [run[key].seconds for run in runs]
        median = statistics.median(seconds)
        met = "met" if median <= target else "missed"
        rss = max(run[key].peak_rss_mib for run in runs)
        lines.append(
            f"| {label} | ≤ {target:g} s | {min(seconds):.2f} | **{median:.2f}** | {met} "
            f"| {rss:,.0f} |"
        )
    return lines


def measure(work: Path, count: int) -> list[str]:
    config = work / "config-startup"
    write_config(config)
    runs = [one_run(work, config, run) for run in range(count)]
    bare_flow(work / "prefect-bare")  # creates its database
    bare = bare_flow(work / "prefect-bare")
    every = "; ".join(
        f"{short} " + " / ".join(f"{run[key].seconds:.2f}" for run in runs)
        for key, _, short, _ in MEASURES
    )
    return [
        "## Start-up",
        "",
        f"Each command in its own process, as the `recall` script runs it, with no "
        f"`PREFECT_API_URL` (the embedded Prefect server); {count} runs, each with a new cache "
        f"folder and two new data homes: on the first the server makes its database by "
        f"Prefect's migrations and keeps it in the cache, on the second it copies it, and the "
        f"other commands run there. The target is "
        f'judged on the median. Command: `python -c "from bench import startup; '
        f"print('\\n'.join(startup.main()))\"` (also part of `make bench`).",
        "",
        *table(runs),
        "",
        f"- every run, in seconds: {every}",
        f"- reference: a bare Prefect flow in a fresh process with Prefect's own temporary "
        f"server: {bare:.1f} s",
    ]


def main() -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="recall-bench-startup-"))
    try:
        return measure(work, int(os.environ.get(RUNS_ENV, "3")))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    print("\n".join(main()))
