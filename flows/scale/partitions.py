"""Partitioned runs (SPEC §10): a step's claims split into partitions, each a `partition` flow
run (flows.scale.part) that any Prefect worker of a work pool can pick up, or run here one
after another; partitions write Parquet that the step that split them loads in one statement.

The parent run holds the campaign's database and its lock throughout; a partition touches
neither (flows.scale.plans). What a partition does is the step flow's: it passes its work (a
function of flows.scale.part.Part) and this package splits, runs and collects. Nothing is
offered, recorded or counted until the parent loads every partition's output; a failed
partition fails the run before anything is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.scale.part import PartitionFailed, PartWork, partition, work_name
from flows.scale.plans import Plan, input_file, new_plan, output_file
from flows.shared import db
from flows.shared.crash import crash_point
from flows.shared.files import atomic_path
from flows.shared.progress import report

if TYPE_CHECKING:
    from flows.scale.options import RunOptions
    from flows.shared.runs import Run


def claim_partitions(run: Run, options: RunOptions) -> dict[str, str]:
    """Each claim of the campaign → its partition's label (sql/scale/claim_parts.sql)."""
    split(run, options)
    try:
        return dict(run.con.table("claim_parts").fetchall())
    finally:
        db.run(run.con, "scale/claim_parts_dropped")


def split(run: Run, options: RunOptions) -> None:
    """The temporary table claim_parts: each claim's partition, by the options."""
    db.run(
        run.con,
        "scale/claim_parts",
        campaign=run.campaign,
        by=options.partition_by,
        count=options.partitions or 1,
    )


def claims_in_partitions(run: Run, options: RunOptions, work: PartWork) -> list[Path]:
    """The claims awaiting an offer split into partitions (with the other counted claims of
    their customers, sql/scale/claims.sql), each partition's claims run through `work`; the
    output files of all of them."""
    from duckdb import ColumnExpression, ConstantExpression

    folder = new_plan(run, "entitlements")
    split(run, options)
    try:
        db.run(run.con, "scale/claims", campaign=run.campaign)
        labels = [str(row["part"]) for row in db.rows(run.con, "scale/partition_labels")]
        claims = run.con.table("partition_claims")
        for part, label in enumerate(labels):
            rows = claims.filter(ColumnExpression("part") == ConstantExpression(label))
            with atomic_path(input_file(folder, part), mode=0o600) as tmp:
                rows.write_parquet(str(tmp))
    finally:
        db.run(run.con, "scale/partition_claims_dropped")
        db.run(run.con, "scale/claim_parts_dropped")
    return run_partitions(run, folder, "entitlements", labels, work, options.work_pool)


def rows_in_partitions(
    run: Run,
    step: str,
    inputs: dict[str, Callable[[Path], None]],
    work: PartWork,
    options: RunOptions,
    context: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Each partition's input written by `inputs[label]`, run through `work`; the rows of
    every partition's output, in partition order."""
    import polars as pl

    folder = new_plan(run, step)
    labels = sorted(inputs)
    for part, label in enumerate(labels):
        with atomic_path(input_file(folder, part), mode=0o600) as tmp:
            inputs[label](tmp)
    files = run_partitions(run, folder, step, labels, work, options.work_pool, context)
    written: list[dict[str, Any]] = pl.read_parquet(files).to_dicts() if files else []
    return written


def run_partitions(
    run: Run,
    folder: Path,
    step: str,
    labels: list[str],
    work: PartWork,
    work_pool: str | None,
    context: dict[str, str] | None = None,
) -> list[Path]:
    """Write the plan, run every partition, and return their output files (all present)."""
    as_of = run.as_of.isoformat()
    Plan(step, run.campaign, run.run_id, as_of, labels, work_name(work), context or {}).write(
        folder
    )
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
        from flows.scale.work_pool import on_work_pool

        on_work_pool(work_pool, parameters, labels, done)
    missing = [labels[p] for p in range(len(labels)) if not output_file(folder, p).is_file()]
    if missing:
        raise PartitionFailed(f"{step}: partitions {', '.join(missing)} wrote no output")
    crash_point(f"partitions:{step}")  # every partition's output written, none loaded
    return [output_file(folder, p) for p in range(len(labels))]
