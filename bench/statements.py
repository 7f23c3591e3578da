"""Reconcile against bank statements at scale, beside the provider's CSV (SPEC §7).

One data home of N claims goes through intake and compensate (as in bench/pipeline.py); its
payment instructions are then answered the same way three times, each in its own copy of the
home (copied while nothing runs): the provider's CSV, one camt.053.001.08 statement and one
MT940 statement (bench/payouts.py: paid, 2 % failed, 1 % duplicates, 1 % unknown refs; in a
statement a failed payment is a debit and its return). `recall run reconcile` is timed on each
copy in its own process, and on a fourth copy with nothing in the payout inbox (start-up and
the reports over every instruction: what a run costs before it reads a file), after one
untimed reconcile of an empty home (the first flow run of the Prefect server costs more). The
target: a statement reconciles within 1.5× of the CSV's time.

Run alone: `python -m bench.statements [CLAIMS]` (CLAIMS defaults to $BENCH_STATEMENTS_SIZE, else
1,250,000: about 1M instructions and 1M statement entries). `make bench` runs it as a section.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

from bench.measure import Measured
from bench.payouts import FORMATS, write_payouts
from bench.pipeline import CAMPAIGN, claims_file, intake_and_compensate, recall, stop_embedded

DEFAULT_CLAIMS = 1_250_000
TARGET = 1.5  # a statement's reconcile time over the CSV's
NAMES = {
    "csv": "provider CSV (payout rows)",
    "camt": "camt.053 (statement entries)",
    "mt940": "MT940 (statement entries)",
}


def classes(home: Path) -> dict[tuple[str, str], int]:
    """How many instructions and payouts the run put in each class."""
    con = duckdb.connect(str(home / "recall.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select item, class, count(*) from reconciliation_items where campaign = ? "
            "group by all",
            [CAMPAIGN],
        ).fetchall()
    finally:
        con.close()
    return {(item, kind): int(n) for item, kind, n in rows}


def main(count: int = DEFAULT_CLAIMS) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="recall-bench-statements-"))
    prefect = work / "prefect"
    try:
        claims_file(count)  # generated before anything is timed
        _, home = intake_and_compensate(count, work)
        copies = {fmt: work / f"home-{fmt}" for fmt in ("empty", *FORMATS)}
        for copy in copies.values():
            shutil.copytree(home, copy, symlinks=True)
        shutil.rmtree(home)
        rows: dict[str, int] = {}
        for fmt in FORMATS:
            instructions, rows[fmt] = write_payouts(copies[fmt], fmt)
        _, idle = intake_and_compensate(0, work, run=1)  # a reconcile once before any is timed
        recall(idle, work / "config", "run", "reconcile", PREFECT_HOME=str(prefect))
        runs: dict[str, Measured] = {}
        for fmt, copy in copies.items():
            runs[fmt] = recall(copy, work / "config", "run", "reconcile", PREFECT_HOME=str(prefect))
        found = {fmt: classes(copies[fmt]) for fmt in FORMATS}
    finally:
        stop_embedded(prefect)
    shutil.rmtree(work, ignore_errors=True)
    empty = runs["empty"]
    lines = [
        f"## Reconcile: provider CSV, camt.053 and MT940 ({count:,} claims, "
        f"{instructions:,} instructions)",
        "",
        "Command: `python -m bench.statements "
        f"{count}` (a section of `make bench`); each `recall run reconcile` in its own "
        "process, the embedded Prefect server running. A statement has one entry more than the "
        "CSV has rows per failed payment (the debit and its return).",
        "",
        "| payout file | rows | seconds | rows/s | peak RSS MiB | work s (− empty inbox) | "
        "× CSV time | × CSV work |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| nothing new in the inbox | 0 | {empty.seconds:.1f} | | "
        f"{empty.peak_rss_mib:,.0f} | | | |",
    ]
    csv = runs["csv"]
    for fmt in FORMATS:
        run, n = runs[fmt], rows[fmt]
        work_s = run.seconds - empty.seconds
        ratio = run.seconds / csv.seconds
        work_ratio = work_s / (csv.seconds - empty.seconds)
        lines.append(
            f"| {NAMES[fmt]} | {n:,} | {run.seconds:.1f} | {n / run.seconds:,.0f} | "
            f"{run.peak_rss_mib:,.0f} | {work_s:.1f} | {ratio:.2f}× | {work_ratio:.2f}× |"
        )
    lines.append("")
    for fmt in ("camt", "mt940"):
        ratio = runs[fmt].seconds / csv.seconds
        met = "met" if ratio <= TARGET else "missed"
        lines.append(
            f"- {NAMES[fmt].split(' (')[0]}: {ratio:.2f}× the CSV's time (target ≤ {TARGET}×, "
            f"{met})"
        )
    instructions_in = {
        f: {k[1]: v for k, v in found[f].items() if k[0] == "instruction"} for f in found
    }
    for fmt in ("camt", "mt940"):
        same = instructions_in[fmt] == instructions_in["csv"]
        told = "the same as" if same else f"DIFFERENT ({instructions_in[fmt]}) from"
        lines.append(
            f"- instructions by class after the {NAMES[fmt].split(' (')[0]} run: {told} the CSV's"
        )
    counts = ", ".join(f"{k} {v:,}" for k, v in sorted(instructions_in["csv"].items()))
    lines.append(f"  - the CSV's: {counts}")
    for fmt in FORMATS:
        payouts = ", ".join(
            f"{k[1]} {v:,}" for k, v in sorted(found[fmt].items()) if k[0] != "instruction"
        )
        lines.append(f"  - payouts by class, {NAMES[fmt].split(' (')[0]}: {payouts}")
    return lines


if __name__ == "__main__":
    size = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_STATEMENTS_SIZE")
    print("\n".join(main(int(size) if size else DEFAULT_CLAIMS)))
