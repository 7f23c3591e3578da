"""Plan folders of partitioned runs (SPEC §10): `out/<c>/partitions/<run>-<step>/` on storage
every host mounts at the same path, holding the plan, each partition's input and output, and
copies of the campaign config and template approvals. They hold personal data: removed once
loaded, and those of runs that died are removed by the next run."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flows.shared.files import owner_only, write_text_atomic

if TYPE_CHECKING:
    from flows.shared.runs import Run


@dataclass(frozen=True)
class Plan:
    """What every partition of a step reads first: whose step it is, its partitions, and the
    work each runs (`module:function` of a flow package, given by the step's flow)."""

    step: str
    campaign: str
    run_id: str
    as_of: str  # ISO date
    partitions: list[str]  # labels, in order
    work: str
    context: dict[str, str] = field(default_factory=dict)  # what the work needs beside its input

    def write(self, folder: Path) -> None:
        write_text_atomic(folder / "plan.json", json.dumps(asdict(self), indent=2))

    @classmethod
    def read(cls, folder: Path) -> Plan:
        return cls(**json.loads((folder / "plan.json").read_text(encoding="utf-8")))


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


def new_plan(run: Run, step: str) -> Path:
    """An empty plan folder for the step, with copies of the config and approvals."""
    owner_only(run.paths.out(run.campaign, "partitions"))
    discard_stale_plans(run)
    folder = plan_folder(run, step)
    shutil.rmtree(folder, ignore_errors=True)
    owner_only(folder)
    shutil.copyfile(run.paths.campaign_file(run.campaign), folder / f"{run.campaign}.toml")
    shutil.copyfile(run.paths.config_dir / "approvals.toml", folder / "approvals.toml")
    return folder


def input_file(folder: Path, part: int) -> Path:
    return folder / f"input-{part:04d}.parquet"


def output_file(folder: Path, part: int) -> Path:
    return folder / f"output-{part:04d}.parquet"
