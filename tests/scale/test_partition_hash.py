"""The partition of a claim is one rule (sql/scale/claim_parts.sql): a claim's letters are
rendered in the partition its entitlement was computed in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl

from flows.scale.options import RunOptions
from tests.conftest import AS_OF, CAMPAIGN, Workspace
from tests.letters.test_letters import claim


def parts_of(plan: Path, own: pl.Expr) -> dict[str, str]:
    """claim id → partition label, from the input files of a kept plan folder."""
    labels = json.loads((plan / "plan.json").read_text(encoding="utf-8"))["partitions"]
    found: dict[str, str] = {}
    for number, label in enumerate(labels):
        rows = pl.read_parquet(plan / f"input-{number:04d}.parquet").filter(own)
        found |= dict.fromkeys(rows["claim_id"].to_list(), label)
    return found


def test_a_claims_letters_are_rendered_in_the_partition_of_its_entitlement(
    workspace: Workspace, monkeypatch
):
    from flows.compensate.flow import compensate
    from flows.letters.flow import letters

    workspace.write_csv("a.csv", [claim(f"r{n}", n) for n in range(40)])
    workspace.intake()
    monkeypatch.setattr(shutil, "rmtree", lambda *args, **kwargs: None)  # plans are kept
    split = RunOptions(partitions=3)
    compensate(CAMPAIGN, AS_OF, split)
    letters(CAMPAIGN, AS_OF, split)

    plans = workspace.paths.out(CAMPAIGN, "partitions")
    (entitlements,) = plans.glob("*-entitlements")
    (written,) = plans.glob("*-letters")
    computed = parts_of(entitlements, pl.col("status").is_in(["eligible", "review"]))
    rendered = parts_of(written, pl.lit(True))
    assert len(computed) == len(rendered) == 40
    assert len(set(computed.values())) == 3
    assert rendered == computed
