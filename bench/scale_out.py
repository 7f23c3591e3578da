"""Letters fanned out on Dask (`--runner dask`): a LocalCluster of two worker processes against
one process and the default process pool, on the same post letters (PDF, the costly kind), in
the same run; the measured cost per letter gives the expected figures for more hosts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flows.letter_batches import Batch

HOSTS = (1, 2, 4, 8, 16)
PLANNED_LETTERS = 1_000_000


def _batches(folder: Path, rows: list[dict[str, Any]], size: int) -> list[Batch]:
    from bench.letters import template_batch

    folder.mkdir(parents=True, mode=0o700)
    template = template_batch(folder)
    return [
        replace(template, number=n + 1, channel="post", letters=rows[start : start + size])
        for n, start in enumerate(range(0, len(rows), size))
    ]


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _measure(count: int, batch_size: int, workers: int) -> dict[str, float]:
    """Seconds of each way of writing the same letters (run in a process of its own, with the
    embedded Prefect server up as `recall run` has it)."""
    from flows import embedded
    from flows.settings import configure_environment, flow_run_settings

    configure_environment()
    embedded.start()
    embedded.wait_ready()
    from distributed import LocalCluster
    from prefect import flow

    from bench.letters import due_letters
    from flows.letter_batches import write_batch
    from flows.letters import render_on_dask, write_batches

    rows = due_letters(count, "post")

    @flow(name="bench-dask-letters")
    def on_dask(folder: str, address: str) -> int:  # letters never pass as flow parameters
        batches = _batches(Path(folder), rows, batch_size)
        return len(render_on_dask(batches, address).rows)

    @flow(name="bench-warm-up")
    def warm_up() -> None:  # Prefect's API up before anything is timed
        return None

    with tempfile.TemporaryDirectory() as tmp, flow_run_settings():
        root = Path(tmp)
        warm_up()
        one = _seconds(lambda: list(map(write_batch, _batches(root / "one", rows, batch_size))))
        pool = _seconds(lambda: write_batches(_batches(root / "pool", rows, batch_size)))
        started = time.perf_counter()
        with LocalCluster(
            n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster:
            cluster_s = time.perf_counter() - started
            address = cluster.scheduler_address
            first = _seconds(lambda: on_dask(str(root / "d1"), address))
            warm = _seconds(lambda: on_dask(str(root / "d2"), address))
    return {"one": one, "pool": pool, "cluster": cluster_s, "first": first, "warm": warm}


def main(count: int = 4_000, batch_size: int = 250, workers: int = 2) -> list[str]:
    from bench.pipeline import stop_embedded

    work = Path(tempfile.mkdtemp(prefix="recall-bench-dask-"))
    env = {**os.environ, "RECALL_HOME": str(work / "home"), "PREFECT_HOME": str(work / "prefect")}
    env.pop("PREFECT_API_URL", None)
    try:
        command = [sys.executable, "-m", "bench.scale_out", str(count), str(batch_size)]
        done = subprocess.run(
            [*command, str(workers)], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"bench.scale_out failed: {done.stderr[-2000:]}")
        seconds = json.loads(done.stdout.splitlines()[-1])
    finally:
        stop_embedded(work / "prefect")
        shutil.rmtree(work, ignore_errors=True)
    one, pool, warm = seconds["one"], seconds["pool"], seconds["warm"]
    first, cluster_s = seconds["first"], seconds["cluster"]
    per_letter = one / count
    efficiency = one / warm / workers
    lines = [
        f"## Letters on Dask (`--runner dask`): {count:,} post letters (PDF), batches of "
        f"{batch_size}",
        "",
        "Command: `python -c \"from bench import scale_out; print('\\n'.join(scale_out.main()))\"`",
        "",
        "| how | seconds | letters/s | speed-up vs one process |",
        "|---|---:|---:|---:|",
    ]
    for label, seconds in (
        ("one process (write_batch one batch after another)", one),
        (f"process pool, {workers} workers (`--runner process`)", pool),
        (f"Dask LocalCluster, {workers} worker processes, first run (workers import)", first),
        (f"Dask LocalCluster, {workers} worker processes, warm", warm),
    ):
        lines.append(f"| {label} | {seconds:.2f} | {count / seconds:,.0f} | {one / seconds:.2f}× |")
    lines += [
        "",
        f"Starting the LocalCluster took {cluster_s:.2f} s. Cost per post letter in one process: "
        f"{per_letter * 1000:.2f} ms; the warm cluster used {efficiency:.0%} of its "
        f"{workers} workers ({one / warm:.2f}× / {workers}).",
        "",
        f"Expected for {PLANNED_LETTERS:,} post letters on hosts of {workers} cores, one worker "
        f"process per core, at the same per-letter cost and the same efficiency (a Dask "
        f"scheduler hands out batches; each host writes to shared storage):",
        "",
        "| hosts | worker processes | letters/s | minutes |",
        "|---:|---:|---:|---:|",
    ]
    for hosts in HOSTS:
        rate = hosts * workers * efficiency / per_letter
        lines.append(
            f"| {hosts} | {hosts * workers} | {rate:,.0f} | {PLANNED_LETTERS / rate / 60:.1f} |"
        )
    return lines


if __name__ == "__main__":
    count, batch_size, workers = (int(a) for a in sys.argv[1:4])
    print(json.dumps(_measure(count, batch_size, workers)))
