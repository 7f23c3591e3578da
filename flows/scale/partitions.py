"""Partitioned runs (SPEC §10): a step's claims split into partitions, each a `partition` flow
run that any Prefect worker of a work pool can pick up; partitions write Parquet that the
step that split them loads in one statement.

The parent run holds the campaign's database and its lock throughout; a partition touches
neither. It reads its input and the plan from the run's plan folder — `out/<c>/partitions/
<run>-<step>/` on storage every host mounts at the same path — with a copy of the campaign
config and template approvals, computes in a database of its own (or renders letters), and
writes its output there. Nothing is offered, recorded or counted until the parent loads every
partition's output; a failed partition fails the run before anything is loaded.
"""

from __future__ import annotations

import json
import shutil
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import polars as pl
from prefect import flow, get_run_logger

from flows.shared import db
from flows.shared.config import load_campaign
from flows.shared.crash import crash_point
from flows.shared.files import atomic_path, owner_only, write_text_atomic
from flows.shared.progress import report

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments.runner import RunnerDeployment

    from flows.shared.runs import Run

BY = ("hash", "region")


class PartitionFailed(Exception):
    """A partition run did not complete; nothing of the step was loaded."""


@dataclass(frozen=True)
class Partitioning:
    """How a run is split: `count` partitions by hash of the claim id, or one per region;
    run on the workers of `work_pool`, or without one here, one after another."""

    by: str = "hash"
    count: int | None = None
    work_pool: str | None = None

    @classmethod
    def of(
        cls,
        partitions: int | None,
        by: str = "hash",
        work_pool: str | None = None,
        runner: str = "process",
    ) -> Partitioning | None:
        """The flows' partition parameters, checked; None for an unpartitioned run. A
        partitioned run renders its letters on the partitions' hosts: no other `runner`."""
        if by not in BY:
            raise ValueError(f"partition_by must be one of {', '.join(BY)}, not {by!r}")
        if by == "region" and partitions is not None:
            raise ValueError("partitions by region are one per region: give no partition count")
        if by == "hash" and partitions is None:
            if work_pool:
                raise ValueError("a work pool runs partitions: give a partition count or region")
            return None
        if partitions is not None and partitions < 1:
            raise ValueError(f"partitions must be at least 1, not {partitions}")
        if runner != "process":
            raise ValueError("partitions render letters on their own hosts: give no --runner")
        return cls(by, partitions, work_pool)

    def key(self, row: dict[str, Any]) -> str:
        """The partition of one letter row (the same rule as sql/partitions/claims.sql's,
        with crc32 for DuckDB's hash)."""
        if self.by == "region":
            return str(row["region"] or "(none)")
        return str(zlib.crc32(row["claim_id"].encode()) % (self.count or 1))


def plan_folder(run: Run, step: str) -> Path:
    return run.paths.out(run.campaign, "partitions") / f"{run.run_id}-{step}"


def discard_plan(run: Run, step: str) -> None:
    """The plan folder of a step once its outputs are loaded (it holds personal data)."""
    shutil.rmtree(plan_folder(run, step), ignore_errors=True)


def discard_stale_plans(run: Run) -> None:
    """Plan folders of runs that died before loading theirs: they hold copies of claims and
    letters. Safe because only one run holds the campaign at a time."""
    root = run.paths.out(run.campaign, "partitions")
    if root.is_dir():
        for stale in root.iterdir():
            if stale.is_dir() and not stale.name.startswith(f"{run.run_id}-"):
                shutil.rmtree(stale)


def _new_plan(run: Run, step: str) -> Path:
    """An empty plan folder for the step."""
    owner_only(run.paths.out(run.campaign, "partitions"))
    discard_stale_plans(run)
    folder = plan_folder(run, step)
    shutil.rmtree(folder, ignore_errors=True)
    owner_only(folder)
    shutil.copyfile(run.paths.campaign_file(run.campaign), folder / f"{run.campaign}.toml")
    shutil.copyfile(run.paths.config_dir / "approvals.toml", folder / "approvals.toml")
    return folder


def _input(folder: Path, part: int) -> Path:
    return folder / f"input-{part:04d}.parquet"


def _output(folder: Path, part: int) -> Path:
    return folder / f"output-{part:04d}.parquet"


def entitlements_in_partitions(run: Run, partitioning: Partitioning) -> list[Path]:
    """Entitlements of the claims awaiting an offer, computed in partitions: their Parquet files
    (`entitlements` rows), for sql/partitions/entitlements_merge.sql."""
    from duckdb import ColumnExpression, ConstantExpression

    folder = _new_plan(run, "entitlements")
    db.run(
        run.con,
        "scale/claims",
        campaign=run.campaign,
        by=partitioning.by,
        count=partitioning.count or 1,
    )
    try:
        labels = [
            label
            for (label,) in run.con.execute(
                "select distinct part from partition_claims order by part"
            ).fetchall()
        ]
        claims = run.con.table("partition_claims")
        for part, label in enumerate(labels):
            rows = claims.filter(ColumnExpression("part") == ConstantExpression(label))
            with atomic_path(_input(folder, part), mode=0o600) as tmp:
                rows.write_parquet(str(tmp))
    finally:
        db.execute(run.con, "drop table if exists partition_claims")
    return _run_partitions(run, folder, "entitlements", labels, partitioning.work_pool)


def letters_in_partitions(
    run: Run,
    due: list[dict[str, Any]],
    shas: dict[str, str],
    batch_size: int | None,
    partitioning: Partitioning,
) -> list[dict[str, Any]]:
    """Letters rendered in partitions (numbered batches of each partition's claims); the
    manifest rows of all of them."""
    from flows.letters.flow import plan_batches

    groups: dict[str, list[dict[str, Any]]] = {}
    for row in due:
        groups.setdefault(partitioning.key(row), []).append(row)
    labels = sorted(groups)
    folder = _new_plan(run, "letters")
    numbered = 0
    for part, label in enumerate(labels):
        batches = plan_batches(run, groups[label], shas, batch_size)
        rows = [
            letter | {"batch": numbered + batch.number}
            for batch in batches
            for letter in batch.letters
        ]
        numbered += len(batches)
        with atomic_path(_input(folder, part), mode=0o600) as tmp:
            pl.DataFrame(rows, infer_schema_length=None).write_parquet(tmp)
    files = _run_partitions(run, folder, "letters", labels, partitioning.work_pool)
    written: list[dict[str, Any]] = pl.read_parquet(files).to_dicts() if files else []
    return written


def _run_partitions(
    run: Run, folder: Path, step: str, labels: list[str], work_pool: str | None
) -> list[Path]:
    """Write the plan, run every partition, and return their output files (all present)."""
    plan = {
        "step": step,
        "campaign": run.campaign,
        "run_id": run.run_id,
        "as_of": run.as_of.isoformat(),
        "partitions": labels,
        "letters_folder": str(run.paths.out(run.campaign, "letters") / run.run_id),
    }
    write_text_atomic(folder / "plan.json", json.dumps(plan, indent=2))
    parameters: list[dict[str, Any]] = [
        {"campaign": run.campaign, "as_of": run.as_of, "folder": str(folder), "part": part}
        for part in range(len(labels))
    ]

    def done(number: int) -> None:
        report(f"{step}: partition {number} of {len(labels)} done")

    if work_pool is None:
        for number, params in enumerate(parameters, 1):
            partition(**params)
            done(number)
    else:
        _on_work_pool(work_pool, parameters, labels, done)
    missing = [labels[p] for p in range(len(labels)) if not _output(folder, p).is_file()]
    if missing:
        raise PartitionFailed(f"{step}: partitions {', '.join(missing)} wrote no output")
    crash_point(f"partitions:{step}")  # every partition's output written, none loaded
    return [_output(folder, p) for p in range(len(labels))]


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


def _on_work_pool(
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


@dataclass(frozen=True)
class PartitionSummary:
    step: str
    partition: str
    rows: int  # entitlements computed or letters written; no personal data


@flow(name="partition")
def partition(campaign: str, as_of: date, folder: str, part: int) -> PartitionSummary:
    """One partition of a run's step, from the run's plan folder (see the module's doc)."""
    plan_dir = Path(folder)
    plan = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    if plan["campaign"] != campaign or date.fromisoformat(plan["as_of"]) != as_of:
        raise PartitionFailed(f"{plan_dir}: the plan is for {plan['campaign']} {plan['as_of']}")
    config = load_campaign(plan_dir / f"{campaign}.toml")
    label = plan["partitions"][part]
    step = _entitlements if plan["step"] == "entitlements" else _letters
    rows = step(plan, config, plan_dir, part)
    get_run_logger().info("%s partition %s: %d rows", plan["step"], label, rows)
    return PartitionSummary(plan["step"], label, rows)


def _entitlements(plan: dict[str, Any], config: Any, folder: Path, part: int) -> int:
    from flows.compensate.flow import entitlement_params

    con = db.connect(":memory:")
    try:
        db.run(con, "scale/claims_load", file=str(_input(folder, part)))
        db.run(con, "compensate/entitlements", **entitlement_params(config, plan["run_id"]))
        with atomic_path(_output(folder, part), mode=0o600) as tmp:
            con.table("entitlements").write_parquet(str(tmp))
        return int(db.scalar(con, "select count(*) from entitlements"))
    finally:
        con.close()


def _letters(plan: dict[str, Any], config: Any, folder: Path, part: int) -> int:
    from flows.letters.approvals import verify
    from flows.letters.flow import MANIFEST_SCHEMA, batch_template, write_batches
    from flows.shared.settings import templates_dir

    shas = verify(templates_dir(), folder / "approvals.toml")
    letters_folder = Path(plan["letters_folder"])
    if not letters_folder.is_dir():  # made by the run before its partitions; never here
        raise PartitionFailed(f"{letters_folder}: not there: the run this partition is for ended")
    template = batch_template(config, letters_folder, date.fromisoformat(plan["as_of"]), shas)
    batches: dict[int, list[dict[str, Any]]] = {}
    for row in pl.read_parquet(_input(folder, part)).to_dicts():
        batches.setdefault(row.pop("batch"), []).append(row)
    written = write_batches(
        [
            replace(template, number=number, channel=rows[0]["channel"], letters=rows)
            for number, rows in batches.items()
        ]
    )
    manifest = pl.DataFrame(
        [{k: r[k] for k in MANIFEST_SCHEMA} for r in written], schema=MANIFEST_SCHEMA
    )
    with atomic_path(_output(folder, part), mode=0o600) as tmp:
        manifest.write_parquet(tmp)
    return len(written)
