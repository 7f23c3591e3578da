"""Letters rendered in partitions (SPEC §10): each partition's claims' letters, in numbered
batches, rendered by a partition run (flows.scale) on its host; the manifest rows of all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from flows.letters.approvals import verify
from flows.letters.runners import MANIFEST_SCHEMA, batch_template, plan_batches, write_batches
from flows.scale.part import PartitionFailed
from flows.scale.partitions import claim_partitions, rows_in_partitions
from flows.shared.files import atomic_path
from flows.shared.settings import templates_dir

if TYPE_CHECKING:
    from flows.scale.options import RunOptions
    from flows.scale.part import Part
    from flows.shared.runs import Run


def letters_in_partitions(
    run: Run, due: list[dict[str, Any]], shas: dict[str, str], options: RunOptions
) -> list[dict[str, Any]]:
    """Letters rendered in partitions (numbered batches of each partition's claims, a
    claim's partition as its entitlement's); the manifest rows of all of them."""
    parts = claim_partitions(run, options)
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in due:
        groups.setdefault(parts[row["claim_id"]], []).append(row)
    inputs: dict[str, Callable[[Path], None]] = {}
    numbered = 0
    for label in sorted(groups):
        batches = plan_batches(run, groups[label], shas, options.batch_size)
        rows = [
            letter | {"batch": numbered + batch.number}
            for batch in batches
            for letter in batch.letters
        ]
        numbered += len(batches)
        inputs[label] = partial(_write, rows)
    folder = run.paths.out(run.campaign, "letters") / run.run_id
    context = {"letters_folder": str(folder)}
    return rows_in_partitions(run, "letters", inputs, render_partition, options, context)


def _write(rows: list[dict[str, Any]], target: Path) -> None:
    pl.DataFrame(rows, infer_schema_length=None).write_parquet(target)


def render_partition(part: Part) -> int:
    """One partition's letters written into the run's letters folder; its manifest rows as
    Parquet."""
    shas = verify(templates_dir(), part.folder / "approvals.toml")
    letters_folder = Path(part.context["letters_folder"])
    if not letters_folder.is_dir():  # made by the run before its partitions; never here
        raise PartitionFailed(f"{letters_folder}: not there: the run this partition is for ended")
    template = batch_template(part.config, letters_folder, part.as_of, shas)
    batches: dict[int, list[dict[str, Any]]] = {}
    for row in pl.read_parquet(part.input).to_dicts():
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
    with atomic_path(part.output, mode=0o600) as tmp:
        manifest.write_parquet(tmp)
    return len(written)
