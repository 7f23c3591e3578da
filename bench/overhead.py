"""Prefect's overhead: the nightly flow on N claims with Prefect orchestration, and the same
functions called plainly (every @flow and @task called as the function it wraps, no API, no
run records), each in a fresh process on its own copy of the data.

`python -m bench.overhead prefect|plain`: runs nightly on RECALL_HOME and prints its seconds.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.measure import Measured, measured
from bench.pipeline import AS_OF, CAMPAIGN, claims_file, shell_env, write_config


def _plain() -> None:
    """Flows and tasks become their functions; what needs a run context gets a stand-in."""
    import prefect.artifacts
    import prefect.flows
    import prefect.tasks
    from prefect.utilities.annotations import BaseAnnotation

    def plain(value: Any) -> Any:  # quote(x) is handed to the function as x, as Prefect does
        return value.unwrap() if isinstance(value, BaseAnnotation) else value

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        args = tuple(plain(a) for a in args)
        return self.fn(*args, **{k: plain(v) for k, v in kwargs.items()})

    prefect.flows.Flow.__call__ = call  # type: ignore[method-assign]
    prefect.tasks.Task.__call__ = call  # type: ignore[method-assign]
    for name in ("create_markdown_artifact", "create_table_artifact"):
        setattr(prefect.artifacts, name, lambda *args, **kwargs: None)
    import flows.compensate.flow

    flows.compensate.flow.get_run_logger = lambda: logging.getLogger("recall")  # type: ignore[assignment]


def _run(mode: str) -> float:
    from flows.cli import embedded
    from flows.shared.settings import configure_environment, flow_run_settings

    configure_environment()
    if mode == "plain":
        _plain()
    else:
        embedded.start()
        embedded.wait_ready()
    from flows.nightly import nightly

    started = time.perf_counter()
    with flow_run_settings():  # as `recall run` runs flows
        nightly(CAMPAIGN, date.fromisoformat(AS_OF))
    return time.perf_counter() - started


def nightly_in_process(mode: str, count: int, work: Path) -> Measured:
    home, config = work / f"home-{mode}", work / "config"
    if not config.exists():
        write_config(config)
    inbox = home / "inbox" / CAMPAIGN / "lists"
    inbox.mkdir(parents=True)
    os.link(claims_file(count), inbox / "claims.csv")
    env = shell_env(
        RECALL_HOME=str(home), RECALL_CONFIG_DIR=str(config), PREFECT_HOME=str(work / "prefect")
    )
    command = [sys.executable, "-m", "bench.overhead", mode]
    whole, out = measured(command, f"nightly ({mode})", env, keep_stdout=True)
    return Measured(float(out.decode().split()[-1]), whole.peak_rss_mib)  # timed after imports


def main(count: int) -> list[str]:
    import shutil
    import tempfile

    from bench.pipeline import stop_embedded

    work = Path(tempfile.mkdtemp(prefix="recall-bench-overhead-"))
    try:
        plain = nightly_in_process("plain", count, work)
        orchestrated = nightly_in_process("prefect", count, work)
    finally:
        stop_embedded(work / "prefect")
        shutil.rmtree(work, ignore_errors=True)
    overhead = (orchestrated.seconds - plain.seconds) / plain.seconds
    return [
        "## Prefect overhead",
        "",
        f"- nightly on {count:,} claims (intake, compensate, letters, reconcile), timed inside "
        f"the process after imports, the embedded Prefect server running: with Prefect "
        f"{orchestrated.seconds:.1f} s, the same functions called plainly {plain.seconds:.1f} s: "
        f"**overhead {overhead:+.1%}** (target ≤ 5 %)",
    ]


if __name__ == "__main__":
    print(f"{_run(sys.argv[1]):.3f}")
