"""Beyond one machine: letters rendered on a Dask cluster are the letters one machine writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import AS_OF, CAMPAIGN, make_workspace
from tests.flows.test_letters import claim

CHANNELS = (
    {},  # email
    {"email": "", "postal_address": "上海市 1 号", "customer_name": "王小明"},  # post
    {"email": "", "phone": "13800000003"},  # sms
)


def files(folder: Path) -> dict[str, bytes]:
    """Every file of a letters run folder by its path inside it, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def offered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A campaign with 36 offers and rejections over every channel, before its letters, and a
    copy of its data home at that point."""
    space = make_workspace(tmp_path / "campaign", monkeypatch)
    rows = [claim(f"r{n}", n, **CHANNELS[n % 3]) for n in range(33)]
    rows += [claim(f"x{n}", 100 + n, sku="K2-220") for n in range(3)]  # rejections
    space.write_csv("a.csv", rows)
    space.intake()
    space.compensate()
    snapshot = tmp_path / "snapshot"
    shutil.copytree(space.paths.home, snapshot)
    return space.paths.home, snapshot


def test_dask_local_cluster_writes_the_letters_one_machine_writes(offered):
    from distributed import Client, LocalCluster, get_task_stream

    from flows.letters import letters

    home, snapshot = offered
    one = letters(CAMPAIGN, AS_OF, batch_size=4)
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
        spread = letters(
            CAMPAIGN, AS_OF, runner="dask", dask_address=cluster.scheduler_address, batch_size=4
        )
    rendered = [t for t in stream.data if t["key"].startswith("render_batch")]

    assert spread.folder == one.folder and spread.counts == one.counts
    on_dask = files(spread.folder)
    assert on_dask["manifest.csv"] == on_one_machine["manifest.csv"]  # byte for byte
    assert on_dask == on_one_machine  # and every batch file and the Parquet manifest
    # batches of 4: 14 email letters (3 of them rejections), 11 post, 11 sms
    assert len(rendered) == len([n for n in on_dask if "batch-" in n]) == 4 + 3 + 3
    assert len({t["worker"] for t in rendered}) == 2  # both workers rendered batches


def test_unknown_runner_is_refused_before_anything_runs():
    from flows.letters import letters

    with pytest.raises(ValueError, match="runner must be one of process, dask"):
        letters(CAMPAIGN, AS_OF, runner="threads")
