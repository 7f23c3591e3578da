"""Partitions run on the workers of a Prefect work pool (SPEC §10): the `partition` flow
deployed on the pool, one flow run per partition as a subflow of the run, waited for."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from flows.scale.part import PartitionFailed, partition
from flows.shared.progress import report

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments.runner import RunnerDeployment


def deployment_for(work_pool: str) -> str:
    """The `partition` flow's deployment on the work pool (registered or updated): its
    entrypoint is the module path, so any host with this package installed can run it."""
    from prefect.client.orchestration import get_client
    from prefect.deployments.runner import EntrypointType
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(work_pool)
        except ObjectNotFound:
            raise PartitionFailed(
                f"work pool {work_pool!r} not found on the Prefect server: create it "
                f"(prefect work-pool create {work_pool} --type process) and start its workers"
            ) from None
    deployment = partition.to_deployment(
        name=work_pool, entrypoint_type=EntrypointType.MODULE_PATH, work_pool_name=work_pool
    )
    cast("RunnerDeployment", deployment).apply(work_pool_name=work_pool)
    return f"partition/{work_pool}"


def on_work_pool(
    work_pool: str,
    parameters: list[dict[str, Any]],
    labels: list[str],
    done: Callable[[int], None],
    poll_seconds: float = 1.0,
) -> None:
    """Partition runs of the pool's deployment (subflows of this run), waited for; a
    partition that does not complete fails the step, naming it."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    name = deployment_for(work_pool)
    pending = {
        cast(
            "FlowRun",
            run_deployment(
                name,
                parameters=params,
                timeout=0,
                idempotency_key=f"{params['folder']}#{params['part']}",
            ),
        ).id: part
        for part, params in enumerate(parameters)
    }
    report(f"waiting for workers of pool {work_pool}: {len(pending)} partitions")
    failed: list[str] = []
    with get_client(sync_client=True) as client:
        while pending:
            for flow_run_id, part in list(pending.items()):
                state = client.read_flow_run(flow_run_id).state
                if state is None or not state.is_final():
                    continue
                del pending[flow_run_id]
                if state.is_completed():
                    done(len(parameters) - len(pending))
                else:
                    failed.append(f"partition {labels[part]}: {state.name}: {state.message}")
            if pending:
                time.sleep(poll_seconds)
    if failed:
        raise PartitionFailed("; ".join(failed))
