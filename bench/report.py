"""The effect report's share of a night (SPEC §12): `recall run nightly` on N claims (intake,
compensate, letters, reconcile, the report, the backup) in its own process, each step's time
from its run record; then every instruction answered by a provider payout file and reconciled
(bench.payouts), and `recall report effect` on the data home with those payments.

`python -m bench.report [N]` prints the section (default 1,000,000 claims). Acceptance: the
report step ≤ 10 % of the nightly's time."""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

from bench.pipeline import CAMPAIGN, claims_file, recall, stop_embedded, write_config

TARGET = 0.10


def step_seconds(home: Path) -> dict[str, float]:
    """Seconds each flow of the campaign took by its run record (started to finished)."""
    con = duckdb.connect(str(home / "recall.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select flow, epoch(finished_at) - epoch(started_at) from runs "
            "where campaign = ? order by started_at",
            [CAMPAIGN],
        ).fetchall()
    finally:
        con.close()
    return {str(flow): float(seconds) for flow, seconds in rows}


def main(count: int = 1_000_000) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="recall-bench-report-"))
    try:
        home, config = work / "home", work / "config"
        write_config(config)
        campaign = config / "campaigns" / f"{CAMPAIGN}.toml"
        text = re.sub(  # a denominator of the bench campaign's size
            r"^units_affected = .*$",
            f"units_affected = {count * 2}",
            campaign.read_text(encoding="utf-8"),
            count=1,
            flags=re.M,
        )
        campaign.write_text(text, encoding="utf-8")
        inbox = home / "inbox" / CAMPAIGN / "lists"
        inbox.mkdir(parents=True)
        os.link(claims_file(count), inbox / "claims.csv")
        settings = {"PREFECT_HOME": str(work / "prefect")}
        night = recall(home, config, "run", "nightly", **settings)
        steps = step_seconds(home)
        from bench.payouts import reconcile

        _, instructions, payouts = reconcile(home, config, work / "prefect")
        again = recall(home, config, "report", "effect", **settings)
        rerun = step_seconds(home)["report"]  # the last report run's record
    finally:
        stop_embedded(work / "prefect")  # the Prefect server the commands started
        shutil.rmtree(work, ignore_errors=True)
    report = steps["report"]
    share = report / night.seconds
    verdict = "met" if share <= TARGET else "NOT met"
    timed = ", ".join(f"{flow} {seconds:.1f} s" for flow, seconds in steps.items())
    return [
        f"## The effect report's share of a night at {count:,} claims",
        "",
        f"- `recall run nightly` on {count:,} claims: {night.seconds:.1f} s wall (its own "
        f"process, Prefect start-up and the backup included), peak RSS "
        f"{night.peak_rss_mib:,.0f} MiB; by run record: {timed}",
        f"- report step: {report:.1f} s = **{share:.1%} of the night** (target ≤ "
        f"{TARGET:.0%}, {verdict}) — the night's first, before any payout file",
        f"- then {instructions:,} instructions answered by {payouts:,} payouts and reconciled; "
        f"`recall report effect` on that data home: {rerun:.1f} s by its run record = "
        f"**{rerun / night.seconds:.1%} of the night** ({again.seconds:.1f} s wall with the "
        f"command's start-up), peak RSS {again.peak_rss_mib:,.0f} MiB",
    ]


if __name__ == "__main__":
    print("\n".join(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)))
