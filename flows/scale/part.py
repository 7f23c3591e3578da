"""One partition of a run's step (SPEC §10): the `partition` flow, which any Prefect worker of a
work pool can pick up. It touches neither the campaign's database nor its lock: it reads its
input and the plan from the plan folder (flows.scale.plans), runs the work the step's flow
named in the plan, and writes its output there."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger

from flows.scale.plans import Plan, input_file, output_file
from flows.shared.config import CampaignConfig, load_campaign


class PartitionFailed(Exception):
    """A partition run did not complete; nothing of the step was loaded."""


@dataclass(frozen=True)
class Part:
    """What one partition's work is given."""

    run_id: str
    as_of: date
    label: str
    config: CampaignConfig
    folder: Path  # the plan folder: the config and approvals copied for this run
    input: Path
    output: Path  # where the work writes its Parquet
    context: dict[str, str] = field(default_factory=dict)


PartWork = Callable[[Part], int]  # one partition's work: its output written; rows written


def work_name(work: PartWork) -> str:
    """How a plan names the work: `module:function`, importable on every host."""
    return f"{work.__module__}:{work.__qualname__}"


def _work(name: str) -> PartWork:
    module, _, function = name.partition(":")
    if not module.startswith("flows.") or not function.isidentifier():
        raise PartitionFailed(f"the plan names work outside this package: {name!r}")
    work: PartWork = getattr(importlib.import_module(module), function)
    return work


@dataclass(frozen=True)
class PartitionSummary:
    step: str
    partition: str
    rows: int  # entitlements computed or letters written; no personal data


@flow(name="partition")
def partition(campaign: str, as_of: date, folder: str, part: int) -> PartitionSummary:
    """One partition of a run's step, from the run's plan folder (see the module's doc)."""
    plan_dir = Path(folder)
    plan = Plan.read(plan_dir)
    if plan.campaign != campaign or date.fromisoformat(plan.as_of) != as_of:
        raise PartitionFailed(f"{plan_dir}: the plan is for {plan.campaign} {plan.as_of}")
    label = plan.partitions[part]
    rows = _work(plan.work)(
        Part(
            run_id=plan.run_id,
            as_of=as_of,
            label=label,
            config=load_campaign(plan_dir / f"{campaign}.toml"),
            folder=plan_dir,
            input=input_file(plan_dir, part),
            output=output_file(plan_dir, part),
            context=plan.context,
        )
    )
    get_run_logger().info("%s partition %s: %d rows", plan.step, label, rows)
    return PartitionSummary(plan.step, label, rows)
