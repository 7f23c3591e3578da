"""The options the commands share, and the checks made of them before any data is touched:
a campaign's config, the as-of allowances, the run options of the letters and nightly flows,
a data home where something has run."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import typer

from flows.cli.failures import fail
from flows.shared.settings import Paths

CampaignOpt = Annotated[
    str, typer.Option("--campaign", "-c", help="Campaign id (config/campaigns/<id>.toml).")
]
AsOfOpt = Annotated[
    date | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Business date of the run (default today)."),
]

AllowBackdateOpt = Annotated[
    bool,
    typer.Option(
        "--allow-backdate",
        help="Run as of a day before the campaign's latest run or its announcement "
        "(refused otherwise; to read quarantined rows again use `recall requeue`).",
    ),
]
AllowFutureOpt = Annotated[
    bool,
    typer.Option(
        "--allow-future", help="Run as of a day more than one day after today (refused otherwise)."
    ),
]


def allowances(allow_backdate: bool, allow_future: bool) -> dict[str, bool]:
    return {"allow_backdate": allow_backdate, "allow_future": allow_future}


class Runner(StrEnum):
    process = "process"
    dask = "dask"


RunnerOpt = Annotated[
    Runner,
    typer.Option(
        "--runner",
        help="Where letters are rendered: this machine's cores (process) or a Dask cluster (dask).",
    ),
]
DaskAddressOpt = Annotated[
    str | None,
    typer.Option(
        "--dask-address",
        help="Dask scheduler for --runner dask, e.g. tcp://10.0.0.5:8786 "
        "(default: a local Dask cluster for this run).",
    ),
]
BatchSizeOpt = Annotated[
    int | None,
    typer.Option(
        "--batch-size",
        min=1,
        help="Letters per rendering batch "
        "(default: [letters] batch_size; pdf_batch_pages for post).",
    ),
]


class PartitionBy(StrEnum):
    hash = "hash"
    region = "region"


PartitionsOpt = Annotated[
    int | None,
    typer.Option(
        "--partitions", min=1, help="Split the run into N partitions by hash of the claim id."
    ),
]
PartitionByOpt = Annotated[
    PartitionBy,
    typer.Option("--partition-by", help="hash (with --partitions N), or one partition per region."),
]
WorkPoolOpt = Annotated[
    str | None,
    typer.Option(
        "--work-pool",
        help="Prefect work pool whose workers run the partitions (default: run them here).",
    ),
]


def rendering_options(
    runner: Runner,
    dask_address: str | None,
    batch_size: int | None,
    partitions: int | None,
    by: PartitionBy,
    work_pool: str | None,
) -> dict[str, Any]:
    """The run options of the letters and nightly flows, checked before Prefect starts."""
    from pydantic import ValidationError

    from flows.scale.options import RunOptions, refusal

    try:
        options = RunOptions(
            runner=runner.value,
            dask_address=dask_address,
            batch_size=batch_size,
            partitions=partitions,
            partition_by=by.value,
            work_pool=work_pool,
        )
    except ValidationError as exc:
        raise fail(refusal(exc), 2) from None
    return {"options": options}


def partition_options(
    partitions: int | None, by: PartitionBy, work_pool: str | None
) -> dict[str, Any]:
    """The run options of the compensate flow: how it is split."""
    return rendering_options(Runner.process, None, None, partitions, by, work_pool)


def check_config(campaign: str) -> None:
    """The campaign's config is valid, before any data is touched (else ConfigError: exit 2)."""
    from flows.shared.runs import load_config

    load_config(Paths.from_env(), campaign)


def existing_database() -> None:
    """Commands that only read refuse a data home where nothing has run (a mistyped --home
    would otherwise show a new, empty database as the campaign's state)."""
    database = Paths.from_env().database
    if not database.exists():
        raise fail(
            f"{database}: no recall database here: nothing has run in this data home yet "
            "(check --home or RECALL_HOME)",
            2,
        )
