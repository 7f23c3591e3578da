"""Beyond one machine: letters rendered on a Dask cluster are the letters one machine writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.cli.demo import DEMO_AS_OF
from flows.scale.options import RunOptions
from tests.conftest import AS_OF, CAMPAIGN, Workspace, make_workspace
from tests.letters.test_letters import claim

CHANNELS = (
    {},  # email
    {"email": "", "postal_address": "上海市 1 号", "customer_name": "王小明"},  # post
    {"email": "", "phone": "13800000003"},  # sms
)


def files(folder: Path) -> dict[str, bytes]:
    """Every file of a letters run folder by its path inside it, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def campaign_before_letters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A campaign with 36 offers and rejections over every channel, before its letters: its
    config folder and a copy of its data home (`snapshot`)."""
    base = tmp_path_factory.mktemp("campaign")
    with pytest.MonkeyPatch.context() as patch:
        space = make_workspace(base, patch)
        rows = [claim(f"r{n}", n, **CHANNELS[n % 3]) for n in range(33)]
        rows += [claim(f"x{n}", 100 + n, sku="K2-220") for n in range(3)]  # rejections
        space.write_csv("a.csv", rows)
        space.intake()
        space.compensate()
        shutil.copytree(space.paths.home, base / "snapshot")
    return base


@pytest.fixture
def offered(
    campaign_before_letters: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    """That campaign in a data home of the test's own, and the snapshot to restore it from."""
    home, snapshot = tmp_path / "home", campaign_before_letters / "snapshot"
    shutil.copytree(snapshot, home)
    monkeypatch.setenv("RECALL_HOME", str(home))
    monkeypatch.setenv("RECALL_CONFIG_DIR", str(campaign_before_letters / "config"))
    return home, snapshot


def test_dask_local_cluster_writes_the_letters_one_machine_writes(offered):
    from distributed import Client, LocalCluster, get_task_stream
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        TaskRunFilter,
        TaskRunFilterName,
    )
    from prefect.client.schemas.sorting import TaskRunSort

    from flows.letters.flow import letters

    home, snapshot = offered
    one = letters(CAMPAIGN, AS_OF, RunOptions(batch_size=4))
    on_one_machine = files(one.folder)
    assert sum(name.endswith(".pdf") for name in on_one_machine) == 3  # 11 post letters by 4
    shutil.rmtree(home)
    shutil.copytree(snapshot, home)  # the same data home, before its letters

    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
        get_task_stream(client) as stream,
    ):
        address = cluster.scheduler_address
        spread = letters(
            CAMPAIGN, AS_OF, RunOptions(runner="dask", dask_address=address, batch_size=4)
        )
    rendered = [t for t in stream.data if t["key"].startswith("render_batch")]

    assert spread.folder == one.folder and spread.counts == one.counts
    on_dask = files(spread.folder)
    assert on_dask["manifest.csv"] == on_one_machine["manifest.csv"]  # byte for byte
    assert on_dask == on_one_machine  # and every batch file and the Parquet manifest
    # batches of 4: 14 email letters (3 of them rejections), 11 post, 11 sms
    assert len(rendered) == len([n for n in on_dask if "batch-" in n]) == 4 + 3 + 3
    assert len({t["worker"] for t in rendered}) == 2  # both workers rendered batches
    runs_table = read(home, "select run_id, prefect_flow_run_id from runs")
    prefect_id = dict(runs_table)[spread.run_id]
    with get_client(sync_client=True) as client:  # Prefect recorded a task run per batch...
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[prefect_id])),
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="render_batch")),
            sort=TaskRunSort.ID_DESC,
            limit=200,
        )
    assert [r.state.is_completed() for r in runs if r.state] == [True] * 10
    assert not [r for r in runs if "王小明" in r.model_dump_json()]  # ...and no letter in them


def test_unknown_runner_is_refused_before_anything_runs(workspace):
    from flows.letters.flow import letters

    with pytest.raises(Exception, match="runner"):
        letters(CAMPAIGN, AS_OF, {"runner": "threads"})
    assert not workspace.paths.out(CAMPAIGN, "letters").exists()


@pytest.fixture(scope="module")
def demo_claims(tmp_path_factory: pytest.TempPathFactory):
    """The demo campaign after intake (about 10,000 claims), and a copy of its data home."""
    from flows.cli.demo import write_demo

    base = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        space = make_workspace(base, patch)
        write_demo(space.paths)
        space.intake(DEMO_AS_OF)
        shutil.copytree(space.paths.home, base / "snapshot")
        yield space, base / "snapshot"


COMPENSATION = {
    "entitlements": "select claim_id, tier, goodwill, bonus_rate, bonus, expenses, total, "
    "holdback, expense_notes, review_reasons from entitlements order by claim_id",
    "claims": "select claim_id, status from claims order by claim_id",
    "offers": "select claim_id, offer_version, goodwill, bonus, expenses, total, prorate_factor "
    "from offers order by claim_id",
    "instructions": "select payment_ref, claim_id, amount from payment_instructions order by 1",
}


def compensated(space: Workspace, snapshot: Path, **options: object) -> tuple:
    """The demo's compensation from the snapshot: summary figures and tables."""
    from flows.compensate.flow import compensate

    shutil.rmtree(space.paths.home)
    shutil.copytree(snapshot, space.paths.home)
    summary = compensate(CAMPAIGN, DEMO_AS_OF, RunOptions(**options))
    assert not any(space.paths.out(CAMPAIGN, "partitions").glob("*"))  # plans removed
    tables = {name: space.query(sql) for name, sql in COMPENSATION.items()}
    return summary.offers_made, summary.offered_in_run, summary.position, tables


@pytest.fixture(scope="module")
def one_run(demo_claims) -> tuple:
    return compensated(*demo_claims)


@pytest.mark.parametrize("split", [{"partitions": 3}, {"partition_by": "region"}])
def test_partitioned_compensate_makes_what_one_run_makes(demo_claims, one_run, split):
    from flows.shared.progress import listen

    space, snapshot = demo_claims
    outcome = {"one run": one_run}
    progress: list[str] = []
    stop = listen(progress.append)
    outcome["partitions"] = compensated(space, snapshot, **split)
    stop()

    regions = space.query("select count(distinct coalesce(region, '')) from claims")[0][0]
    count = split.get("partitions", regions)
    assert count > 1
    assert [m for m in progress if "partition" in m] == [
        f"entitlements: partition {n} of {count} done" for n in range(1, count + 1)
    ]
    assert outcome["partitions"] == outcome["one run"]
    offers_made, _, _, tables = outcome["one run"]
    assert offers_made > 5_000 and len(tables["entitlements"]) > offers_made
    # the customer holding too many units has claims in several partitions: all in review
    key, parts, reviewed = space.query(
        "select customer_key, count(distinct hash(claim_id) % 3), bool_and(status = 'review') "
        "from claims where status in ('eligible', 'review', 'offered') "
        "group by 1 order by sum(quantity) desc limit 1"
    )[0]
    assert parts > 1 and reviewed, key


def letters_by_id(folder: Path) -> dict[str, dict[str, object]]:
    """Each letter of a run: its manifest row without where it landed, and for email and sms
    the message itself."""
    import polars as pl

    from flows.letters.batches import read_message

    found = {}
    for row in pl.read_parquet(folder / "manifest.parquet").to_dicts():
        where = {k: row.pop(k) for k in ("path", "line", "pages", "sha256")}
        if where["line"] is not None:
            row["message"] = read_message(where["path"], where["line"])
        found[row["letter_id"]] = row
    return found


def test_partitioned_letters_are_the_letters_one_run_writes(offered, monkeypatch):
    from flows.letters.flow import letters
    from flows.shared.progress import listen

    home, snapshot = offered
    one = letters_by_id(letters(CAMPAIGN, AS_OF, RunOptions(batch_size=4)).folder)
    shutil.rmtree(home)
    shutil.copytree(snapshot, home)
    progress: list[str] = []
    stop = listen(progress.append)
    split = letters(CAMPAIGN, AS_OF, RunOptions(batch_size=4, partitions=2))
    stop()

    assert [m for m in progress if "partition" in m] == [
        "letters: partition 1 of 2 done",
        "letters: partition 2 of 2 done",
    ]
    assert letters_by_id(split.folder) == one and len(one) == 36
    assert not any((home / "out" / CAMPAIGN / "partitions").glob("*"))


WORKER_OPTIONS = ("--pool", "recall-test", "--type", "process", "--limit", "2")


@pytest.fixture
def worker(tmp_path: Path):
    """A Prefect process worker of the pool `recall-test`, in a process of its own, against
    the tests' Prefect server: it runs partition flow runs as a worker on another host would."""
    import os
    import subprocess
    import sys
    import time

    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    env = os.environ | {"PREFECT_API_URL": str(PREFECT_API_URL.value())}
    env |= {"PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_WORKER_PREFETCH_SECONDS": "1"}
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "worker", "start", *WORKER_OPTIONS],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,  # nothing of the repository's folder: the package is installed
        )
        with get_client(sync_client=True) as client:  # the worker creates its pool
            for _ in range(120):
                try:
                    client.read_work_pool("recall-test")
                    break
                except ObjectNotFound:
                    assert process.poll() is None, log.read_text()
                    time.sleep(0.5)
        yield "recall-test"
        process.terminate()
        process.wait(timeout=30)


def test_partitions_run_on_a_work_pools_worker(offered, worker, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    from flows.compensate.flow import compensate

    home, snapshot = offered
    one = compensate(CAMPAIGN, AS_OF)
    tables = {name: read(home, sql) for name, sql in COMPENSATION.items()}
    shutil.rmtree(home)
    shutil.copytree(snapshot, home)

    split = compensate(CAMPAIGN, AS_OF, RunOptions(partitions=2, work_pool=worker))

    assert (split.offers_made, split.offered_in_run) == (one.offers_made, one.offered_in_run)
    assert {name: read(home, sql) for name, sql in COMPENSATION.items()} == tables
    with get_client(sync_client=True) as client:
        runs = [
            r
            for r in client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=["partition"])),
                sort=FlowRunSort.ID_DESC,
                limit=200,
            )
            if r.parameters.get("folder", "").startswith(str(home))
        ]
    assert sorted(r.parameters["part"] for r in runs) == [0, 1]
    assert all(r.state and r.state.is_completed() for r in runs)
    assert all(r.work_pool_name == worker and r.parent_task_run_id for r in runs)  # subflows


def read(home: Path, sql: str) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(home / "recall.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_missing_work_pool_fails_the_run_naming_it(workspace):
    from flows.compensate.flow import compensate
    from flows.scale.part import PartitionFailed

    with pytest.raises(PartitionFailed, match="work pool 'nowhere' not found"):
        compensate(CAMPAIGN, AS_OF, RunOptions(partitions=2, work_pool="nowhere"))


def test_a_letters_partition_of_a_run_that_ended_writes_nothing(workspace, tmp_path):
    """A partition run picked up after its run died (and the next run removed its letters
    folder) fails instead of bringing the folder back with letters nobody records."""
    import json

    from flows.letters.partitions import render_partition
    from flows.scale.part import PartitionFailed, partition, work_name

    plan = tmp_path / "plan"
    plan.mkdir()
    gone = workspace.paths.out(CAMPAIGN, "letters") / "20261015-001"
    (plan / "plan.json").write_text(
        json.dumps(
            {
                "step": "letters",
                "campaign": CAMPAIGN,
                "run_id": "20261015-001",
                "as_of": AS_OF.isoformat(),
                "partitions": ["0"],
                "work": work_name(render_partition),
                "context": {"letters_folder": str(gone)},
            }
        )
    )
    shutil.copyfile(workspace.paths.campaign_file(CAMPAIGN), plan / f"{CAMPAIGN}.toml")
    shutil.copyfile(workspace.paths.config_dir / "approvals.toml", plan / "approvals.toml")

    with pytest.raises(PartitionFailed, match="the run this partition is for ended"):
        partition(CAMPAIGN, AS_OF, str(plan), 0)
    assert not gone.exists() and not (plan / "output-0000.parquet").exists()
