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

from prefect import flow

if TYPE_CHECKING:
    from flows.letters.batches import Batch

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


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds so far of this process (every thread) and of its Dask worker processes."""
    import psutil

    me = psutil.Process()
    workers = [
        child
        for child in me.children(recursive=True)
        if "spawn_main" in " ".join(child.cmdline())  # not the embedded Prefect server
    ]
    used = [sum(p.cpu_times()[:2]) for p in (me, *workers)]
    return used[0], sum(used[1:])


_LETTERS: list[dict[str, Any]] = []  # the bench's letters, set by _measure


@flow(name="bench-dask-letters")
def on_dask(folder: str, address: str, batch_size: int) -> int:
    """The letters flow's Dask step on the bench's letters. Prefect sends the running flow to
    every task it hands to Dask, its function by value with the globals it names: the letters
    are fetched through an import, not named, or they would travel with every batch."""
    import bench.scale_out as bench
    from flows.letters.runners import render_on_dask

    batches = bench._batches(Path(folder), bench._LETTERS, batch_size)
    return len(render_on_dask(batches, address).rows)


@flow(name="bench-warm-up")
def warm_up() -> None:
    """Prefect's API up before anything is timed."""


def _measure(count: int, batch_size: int, workers: int) -> dict[str, float]:
    """Seconds of each way of writing the same letters, and the CPU seconds the warm Dask run
    took in this process and in its workers (run in a process of its own, with the embedded
    Prefect server up as `recall run` has it)."""
    from flows.cli import embedded
    from flows.shared.settings import configure_environment, flow_run_settings

    configure_environment()
    embedded.start()
    embedded.wait_ready()
    from distributed import LocalCluster

    from bench.letters import due_letters, run_batches
    from flows.letters.batches import write_batch

    rows = due_letters(count, "post")
    _LETTERS[:] = rows

    with tempfile.TemporaryDirectory() as tmp, flow_run_settings():
        root = Path(tmp)
        warm_up()
        one = _seconds(lambda: list(map(write_batch, _batches(root / "one", rows, batch_size))))
        pool = run_batches(_batches(root / "pool", rows, batch_size))
        started = time.perf_counter()
        with LocalCluster(
            n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster:
            cluster_s = time.perf_counter() - started
            address = cluster.scheduler_address
            first = _seconds(lambda: on_dask(str(root / "d1"), address, batch_size))
            run_cpu, workers_cpu = _cpu_seconds()
            warm = _seconds(lambda: on_dask(str(root / "d2"), address, batch_size))
            run_after, workers_after = _cpu_seconds()
    return {
        "one": one,
        "pool": pool,
        "cluster": cluster_s,
        "first": first,
        "warm": warm,
        "run_cpu": run_after - run_cpu,
        "workers_cpu": workers_after - workers_cpu,
    }


def main(count: int = 4_000, batch_size: int = 500, workers: int = 2) -> list[str]:
    from bench.pipeline import shell_env, stop_embedded

    work = Path(tempfile.mkdtemp(prefix="recall-bench-dask-"))
    env = shell_env(RECALL_HOME=str(work / "home"), PREFECT_HOME=str(work / "prefect"))
    try:
        # imported by name (not run as __main__): on_dask finds the letters in this module
        child = "import sys; from bench import scale_out; scale_out.child(sys.argv[1:])"
        command = [sys.executable, "-c", child, str(count), str(batch_size)]
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
    batches = -(-count // batch_size)
    per_letter = one / count  # one process, all of it CPU
    worker_per_letter = seconds["workers_cpu"] / count
    run_per_batch = seconds["run_cpu"] / batches
    ceiling = batch_size / run_per_batch
    lines = [
        f"## Letters on Dask (`--runner dask`): {count:,} post letters (PDF), batches of "
        f"{batch_size} (`pdf_batch_pages`)",
        "",
        "Command: `python -c \"from bench import scale_out; print('\\n'.join(scale_out.main()))\"`",
        "",
        "| how | seconds | letters/s | speed-up vs one process |",
        "|---|---:|---:|---:|",
    ]
    for label, took in (
        ("one process (write_batch one batch after another)", one),
        (f"process pool, {workers} workers (`--runner process`)", pool),
        (f"Dask LocalCluster, {workers} worker processes, first run", seconds["first"]),
        (f"Dask LocalCluster, {workers} worker processes, warm", warm),
    ):
        lines.append(f"| {label} | {took:.2f} | {count / took:,.0f} | {one / took:.2f}× |")
    lines += [
        "",
        f"Starting the LocalCluster took {seconds['cluster']:.2f} s. On this machine the run "
        f"process, its Prefect server and {workers} workers share {os.cpu_count()} cores, so the "
        "wall-clock figures say little about more hosts; the CPU they took does. In the warm "
        f"Dask run: the workers {seconds['workers_cpu']:.2f} CPU s = "
        f"**{worker_per_letter * 1000:.2f} ms per letter** (one process: "
        f"{per_letter * 1000:.2f} ms; the difference is Prefect's task run and moving the rows), "
        f"the run process {seconds['run_cpu']:.2f} CPU s = **{run_per_batch * 1000:.0f} ms per "
        f"batch** handed out (pickling the batch and Prefect's context), which caps one run at "
        f"about {ceiling:,.0f} letters/s whatever the cluster.",
        "",
        f"Expected for {PLANNED_LETTERS:,} post letters on hosts like this one ({workers} worker "
        f"processes each), from those costs: letters/s = min(worker processes / "
        f"{worker_per_letter * 1000:.2f} ms, {ceiling:,.0f}), assuming the shared storage "
        "keeps up:",
        "",
        "| hosts | worker processes | letters/s | minutes |",
        "|---:|---:|---:|---:|",
    ]
    for hosts in HOSTS:
        rate = min(hosts * workers / worker_per_letter, ceiling)
        lines.append(
            f"| {hosts} | {hosts * workers} | {rate:,.0f} | {PLANNED_LETTERS / rate / 60:.1f} |"
        )
    return lines


def child(args: list[str]) -> None:
    """The measuring process: prints the figures of `_measure` as JSON."""
    count, batch_size, workers = (int(a) for a in args)
    print(json.dumps(_measure(count, batch_size, workers)))
