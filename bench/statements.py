"""Reconcile against bank statements at scale, beside the provider's CSV (SPEC §7).

One data home of N claims goes through intake and compensate (as in bench/pipeline.py); its
payment instructions are then answered the same way three times, each in its own copy of the
home (copied while nothing runs): the provider's CSV, one camt.053.001.08 statement and one
MT940 statement (bench/payouts.py: paid, 2 % failed, 1 % duplicates, 1 % unknown refs; in a
statement a failed payment is a debit and its return). `recall run reconcile` is timed on each
copy in its own process, after one untimed reconcile of a small home (the first reconcile of
the benchmark loads what later ones find in memory), and `read_bank_file` alone on each
statement. The target: a statement reconciles within 1.5× of the CSV's time.

Run alone: `python -m bench.statements [CLAIMS]` (CLAIMS defaults to $BENCH_STATEMENTS_SIZE, else
1,250,000: about 1M instructions and 1M statement entries). `make bench` runs it as a section.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

from bench.measure import Measured, measured
from bench.payouts import FORMATS, write_payouts
from bench.pipeline import CAMPAIGN, claims_file, intake_and_compensate, recall, stop_embedded

DEFAULT_CLAIMS = 1_250_000
WARM_UP = 2_000  # claims of the home whose reconcile is not timed
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


def fates(home: Path) -> str:
    """What the run said of each payout file (its payout_files.csv), in one line."""
    told = []
    for found in sorted((home / "out" / CAMPAIGN / "reports").glob("*/payout_files.csv")):
        with found.open(encoding="utf-8", newline="") as handle:
            told += [
                f"{row['file']} {row['status']} (entries {row['entries'] or '-'}, loaded "
                f"{row['payouts_loaded']}, quarantined {row['quarantined']}, not ours "
                f"{row['not_ours'] or '-'}, balance_ok {row['balance_ok'] or '-'}"
                + (f": {row['message']})" if row["message"] else ")")
                for row in csv.DictReader(handle)
            ]
    return "; ".join(told) or "no payout_files.csv"


READ = (
    "import sys; from pathlib import Path; from flows.reconcile.bank_files import read_bank_file; "
    "read_bank_file(Path(sys.argv[1]), Path(sys.argv[2]))"
)


def reader(path: Path, work: Path) -> Measured:
    """read_bank_file alone on the statement, in its own process (its start-up included)."""
    parts = Path(tempfile.mkdtemp(dir=work))
    try:
        return measured([sys.executable, "-c", READ, str(path), str(parts)], "read_bank_file")[0]
    finally:
        shutil.rmtree(parts)


def main(count: int = DEFAULT_CLAIMS) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="recall-bench-statements-"))
    prefect = work / "prefect"
    try:
        claims_file(count)  # generated before anything is timed
        _, home = intake_and_compensate(count, work)
        copies = {fmt: work / f"home-{fmt}" for fmt in FORMATS}
        for copy in copies.values():
            shutil.copytree(home, copy, symlinks=True)
        shutil.rmtree(home)
        rows: dict[str, int] = {}
        for fmt in FORMATS:
            instructions, rows[fmt] = write_payouts(copies[fmt], fmt)
        inbox = Path("inbox", CAMPAIGN, "payouts")
        read = {f: reader(copies[f] / inbox / FORMATS[f][0], work) for f in ("camt", "mt940")}
        _, small = intake_and_compensate(WARM_UP, work, run=1)  # one reconcile before any is timed
        write_payouts(small, "csv")
        recall(small, work / "config", "run", "reconcile", PREFECT_HOME=str(prefect))
        os.sync()  # the copies and files on disk: no writeback during a timed run
        runs: dict[str, Measured] = {}
        load: dict[str, float] = {}
        for fmt, copy in copies.items():
            load[fmt] = os.getloadavg()[0]  # the machine is shared: what else was running
            runs[fmt] = recall(copy, work / "config", "run", "reconcile", PREFECT_HOME=str(prefect))
        found = {fmt: classes(copies[fmt]) for fmt in FORMATS}
        said = {fmt: fates(copies[fmt]) for fmt in FORMATS}
    finally:
        stop_embedded(prefect)
    shutil.rmtree(work, ignore_errors=True)
    lines = [
        f"## Reconcile: provider CSV, camt.053 and MT940 ({count:,} claims, "
        f"{instructions:,} instructions)",
        "",
        "Command: `python -m bench.statements "
        f"{count}` (a section of `make bench`); each `recall run reconcile` in its own "
        "process, the embedded Prefect server running (start-up included); reader alone = "
        "`read_bank_file` on the same file in its own process (the CSV is read inside the "
        "load's SQL); load = the machine's 1-minute load average as the run started (2 cores, "
        "shared). A statement has one entry more than the CSV has rows per failed payment "
        "(the debit and its return).",
        "",
        "| payout file | rows | seconds | rows/s | peak RSS MiB | × CSV time | reader alone s "
        "(peak RSS MiB) | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    provider = runs["csv"]
    for fmt in FORMATS:
        run, n = runs[fmt], rows[fmt]
        alone = f"{read[fmt].seconds:.1f} ({read[fmt].peak_rss_mib:,.0f})" if fmt in read else ""
        lines.append(
            f"| {NAMES[fmt]} | {n:,} | {run.seconds:.1f} | {n / run.seconds:,.0f} | "
            f"{run.peak_rss_mib:,.0f} | {run.seconds / provider.seconds:.2f}× | {alone} | "
            f"{load[fmt]:.1f} |"
        )
    lines.append("")
    for fmt in ("camt", "mt940"):
        ratio = runs[fmt].seconds / provider.seconds
        met = "met" if ratio <= TARGET else "missed"
        lines.append(
            f"- {NAMES[fmt].split(' (')[0]}: {ratio:.2f}× the CSV's time (target ≤ {TARGET}×, "
            f"{met})"
        )
    for fmt in FORMATS:
        lines.append(f"- payout_files.csv of the {NAMES[fmt].split(' (')[0]} run: {said[fmt]}")
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
