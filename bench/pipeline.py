"""Intake + compensate at N claims through the real CLI, against the DuckDB floor.

The claims follow the demo's rules (about 1 in 9 messy) and are streamed to disk, so 10M never
needs 10M rows in memory. Each command runs in its own process, as a coordinator runs it: wall
time and peak RSS come from the operating system. "Work" is a run minus the same commands on an
empty inbox (Prefect start-up and imports). The floor is DuckDB alone: `read_csv` of the same
file plus one aggregate over it.
"""

from __future__ import annotations

import csv
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from flows.demo import People, _serial, claim_rows
from flows.settings import SHIPPED_CONFIG_DIR

CAMPAIGN = "RC-BENCH"
AS_OF = "2026-10-15"
CACHE = Path(tempfile.gettempdir()) / "recall-bench-data"
COLUMNS = [
    "source_record_id",
    "customer_name",
    "phone",
    "email",
    "postal_address",
    "sku",
    "serial_no",
    "purchase_date",
    "purchase_price",
    "quantity",
    "claim_date",
    "region",
    "language",
    "harm",
    "documented_expenses",
    "expense_type",
    "expense_evidence",
    "flags",
]


def claims_file(count: int, seed: int = 7) -> Path:
    """N claims as one CSV (cached between runs); serials widened to stay distinct at 10M."""
    target = CACHE / f"claims-{count}.csv"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    people = People.make(seed)
    partial = target.with_suffix(".part")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in claim_rows(rng, people, count, 1):
            number = int(row["source_record_id"])
            if row["serial_no"] == _serial(number):
                row["serial_no"] = f"K3A{number + 100:08d}"
            writer.writerow([row.get(c, "") for c in COLUMNS])
    partial.rename(target)
    return target


def write_config(config_dir: Path) -> None:
    """The demo campaign as RC-BENCH: a serial range for 10M units, a reserve that fits."""
    shutil.copytree(SHIPPED_CONFIG_DIR, config_dir)
    shipped = config_dir / "campaigns" / "RC-2026-017.toml"
    text = (
        shipped.read_text(encoding="utf-8")
        .replace('id = "RC-2026-017"', f'id = "{CAMPAIGN}"')
        .replace('[["K3A000100", "K3A099999"]]', '[["K3A00000100", "K3A99999999"]]')
        .replace('reserve = "2500000.00"', 'reserve = "99999999999.00"')
    )
    (config_dir / "campaigns" / f"{CAMPAIGN}.toml").write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_mib: float


def recall(home: Path, config: Path, *args: str) -> Measured:
    """One `recall` command in its own process: wall time and that process's peak RSS."""
    env = {**os.environ, "RECALL_HOME": str(home), "RECALL_CONFIG_DIR": str(config)}
    env.pop("PREFECT_API_URL", None)  # the embedded default: a temporary local API
    command = [sys.executable, "-m", "flows.cli", *args, "-c", CAMPAIGN, "--as-of", AS_OF]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
    return Measured(seconds, usage.ru_maxrss / 1024)


def intake_and_compensate(count: int | None, work: Path) -> Measured:
    home, config = work / f"home-{count or 0}", work / f"config-{count or 0}"
    write_config(config)
    if count:
        inbox = home / "inbox" / CAMPAIGN / "lists"
        inbox.mkdir(parents=True)
        os.link(claims_file(count), inbox / "claims.csv")
    intake = recall(home, config, "run", "intake")
    compensate = recall(home, config, "run", "compensate")
    return Measured(
        intake.seconds + compensate.seconds, max(intake.peak_rss_mib, compensate.peak_rss_mib)
    )


def floor(count: int) -> float:
    """Seconds DuckDB alone takes to read the file and aggregate over it."""
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(
        "select count(*), sum(try_cast(purchase_price as decimal(18, 2))), "
        "count(distinct serial_no) from read_csv(?, all_varchar = true)",
        [str(claims_file(count))],
    ).fetchall()
    con.close()
    return time.perf_counter() - started


def main(sizes: tuple[int, ...] = (100_000, 1_000_000)) -> list[str]:
    lines = ["## Intake + compensate", ""]
    work = Path(tempfile.mkdtemp(prefix="recall-bench-pipeline-"))
    try:
        empty = intake_and_compensate(None, work)
        lines.append(
            f"- empty inbox (start-up: two `recall` processes, embedded Prefect API): "
            f"{empty.seconds:.1f} s, peak RSS {empty.peak_rss_mib:,.0f} MiB"
        )
        for count in sizes:
            claims_file(count)  # generated before timing
            run = intake_and_compensate(count, work)
            work_s = run.seconds - empty.seconds
            floor_s = floor(count)
            lines.append(
                f"- {count:,} claims: {run.seconds:.1f} s in all, work {work_s:.1f} s = "
                f"{count / work_s:,.0f} claims/s, peak RSS {run.peak_rss_mib:,.0f} MiB; "
                f"DuckDB floor {floor_s:.2f} s; work / floor = {work_s / floor_s:.1f}× "
                f"(target ≤ 2× at 1M)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"- (the benchmark process itself peaked at {own:,.0f} MiB)")
    return lines


if __name__ == "__main__":
    raise SystemExit("run `python -m bench`")
