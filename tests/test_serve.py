"""Deployments: `recall serve` registers each campaign's nightly run on its cron schedule and
every flow on demand; prefect.yaml describes the same for a server with a work pool."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml
from prefect import Flow
from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import CAMPAIGN, Workspace

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ("nightly", "intake", "compensate", "letters", "reconcile")


def read_deployment(name: str, deadline: float):
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    while True:
        try:
            with get_client(sync_client=True) as client:
                return client.read_deployment_by_name(name)
        except ObjectNotFound:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_serve_registers_the_nightly_cron_schedule_and_every_flow(workspace: Workspace):
    from prefect.settings import PREFECT_API_URL

    workspace.configure('cron = "0 2 * * *"', 'cron = "30 1 * * *"')
    serving = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve"],
        env={**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value())},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        nightly = read_deployment(f"nightly/nightly-{CAMPAIGN}", deadline)
        (schedule,) = nightly.schedules
        assert schedule.schedule.cron == "30 1 * * *"
        assert schedule.schedule.timezone == "Asia/Shanghai" and schedule.active
        assert nightly.parameters == {"campaign": CAMPAIGN}
        assert set(nightly.parameter_openapi_schema["properties"]) == {
            "campaign",
            "as_of",
            *("runner", "dask_address", "batch_size"),
            *("partitions", "partition_by", "work_pool"),
            *("allow_backdate", "allow_future"),
        }
        for flow in FLOWS:
            on_demand = read_deployment(f"{flow}/on-demand", deadline)
            assert on_demand.schedules == [] and on_demand.parameters == {}
    finally:
        serving.terminate()
        output, _ = serving.communicate(timeout=60)
    assert f"deployment nightly/nightly-{CAMPAIGN}" in output


def test_serve_without_a_server_says_how_to_start_one(workspace: Workspace, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2 and "recall server start" in result.output


def test_prefect_yaml_points_at_the_flows_with_the_configured_schedule():
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    entrypoints = set()
    for deployment in spec["deployments"]:
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, name), Flow)
        entrypoints.add(name)
        assert deployment["work_pool"]["name"] == "recall"
    assert entrypoints == set(FLOWS)
    (nightly,) = [d for d in spec["deployments"] if d["name"] == f"nightly-{CAMPAIGN}"]
    from flows.config import load_campaign
    from flows.settings import SHIPPED_CONFIG_DIR

    schedule = load_campaign(SHIPPED_CONFIG_DIR / "campaigns" / f"{CAMPAIGN}.toml").schedule
    assert nightly["schedules"] == [{"cron": schedule.cron, "timezone": schedule.timezone}]
    assert nightly["parameters"] == {"campaign": CAMPAIGN}
