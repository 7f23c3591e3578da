"""Deployments: `recall serve` registers each campaign's nightly run on its cron schedule and
every flow on demand; prefect.yaml describes the same for a server with a work pool."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from prefect import Flow
from typer.testing import CliRunner

from flows.cli.embedded import answers, free_port
from flows.cli.main import app
from tests.conftest import CAMPAIGN, RECALL, Workspace

ROOT = Path(__file__).resolve().parents[2]
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
        [sys.executable, "-m", "flows.cli.main", "serve"],
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
            "options",  # the six run options, one group (flows.scale.options)
            *("allow_backdate", "allow_future"),
        }
        options = nightly.parameter_openapi_schema["definitions"]["RunOptions"]["properties"]
        assert set(options) == {
            *("runner", "dask_address", "batch_size"),
            *("partitions", "partition_by", "work_pool"),
        }
        for flow in FLOWS:
            on_demand = read_deployment(f"{flow}/on-demand", deadline)
            assert on_demand.schedules == [] and on_demand.parameters == {}
    finally:
        serving.terminate()
        output, _ = serving.communicate(timeout=60)
    assert f"deployment nightly/nightly-{CAMPAIGN}" in output


@contextmanager
def started(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A `recall` command in its own process group, stopped (with its children) at the end."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*RECALL, *command],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until(condition, seconds: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, f"no {what} within {seconds:.0f} s"
        time.sleep(1.0)
    return found


def test_the_nightly_cron_schedule_makes_scheduled_runs_on_a_real_server(
    workspace: Workspace, tmp_path: Path
):
    """`recall server start` + `recall serve` as an operator runs them: the server's scheduler
    service creates the nightly's next runs, in state Scheduled at 02:00 in the campaign's
    time zone. (With SQLAlchemy 2.1 and Prefect 3.8 it failed on every pass and made none.)"""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.settings import PREFECT_API_URL, temporary_settings

    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    # the operator's environment: no Prefect home of the tests' (it follows RECALL_HOME)
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL")}
    started_at = datetime.now(UTC)
    server_log = tmp_path / "server.log"
    with started(["server", "start", "--port", str(port)], env, server_log):
        wait_until(lambda: answers(url), 120, "answer from the server")
        # its UI asks this server's API, not the one of the default port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ui-settings") as response:
            assert json.load(response)["api_url"] == url
        env["PREFECT_API_URL"] = url
        with started(["serve"], env, tmp_path / "serve.log"):

            def scheduled() -> list:  # type: ignore[type-arg]
                with (
                    temporary_settings(updates={PREFECT_API_URL: url}),
                    get_client(sync_client=True) as client,
                ):
                    return client.read_flow_runs(
                        deployment_filter=DeploymentFilter(
                            name=DeploymentFilterName(any_=[f"nightly-{CAMPAIGN}"])
                        ),
                        flow_run_filter=FlowRunFilter(
                            state=FlowRunFilterState(
                                type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])
                            )
                        ),
                        sort=FlowRunSort.EXPECTED_START_TIME_ASC,
                        limit=20,
                    )

            runs = wait_until(scheduled, 60, "scheduled run of the nightly")
    shanghai = ZoneInfo("Asia/Shanghai")
    for run in runs:
        assert run.state.name == "Scheduled" and run.auto_scheduled
        assert run.parameters == {"campaign": CAMPAIGN}
        start = run.expected_start_time.astimezone(shanghai)
        assert (start.hour, start.minute) == (2, 0), start
        assert started_at < run.expected_start_time < started_at + timedelta(days=4)
    assert "bulk DML" not in server_log.read_text(errors="replace")


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
    from flows.shared.config import load_campaign
    from flows.shared.settings import SHIPPED_CONFIG_DIR

    schedule = load_campaign(SHIPPED_CONFIG_DIR / "campaigns" / f"{CAMPAIGN}.toml").schedule
    assert nightly["schedules"] == [{"cron": schedule.cron, "timezone": schedule.timezone}]
    assert nightly["parameters"] == {"campaign": CAMPAIGN}
