"""Intake + compensate at N claims through the real CLI, against the DuckDB floor.

The claims follow the demo's rules (about 1 in 9 messy) and are streamed to disk, so 10M never
needs 10M rows in memory. Each command runs in its own process, as a coordinator runs it: wall
time and peak RSS come from the operating system. "Work" is a run minus the same commands on an
empty inbox (Prefect start-up and imports). The floor is DuckDB alone: `read_csv` of the same
file plus one aggregate over it. Beside it, DuckDB alone keeping the file's rows (a table in
memory, and in a database file): what any run that keeps the claims pays before checking them.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from bench.measure import Measured, measured
from flows.cli.demo import People, _serial, claim_rows, dropped_a_while_ago
from flows.cli.embedded import STATE_FILE
from flows.shared.settings import PREFECT_DEFAULTS, SHIPPED_CONFIG_DIR

CAMPAIGN = "RC-BENCH"
AS_OF = "2026-10-15"
CACHE = Path(tempfile.gettempdir()) / "recall-bench-data"
PEER_MAX = 1_000_000  # the pandas baseline holds every row as Python objects
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
    dropped_a_while_ago([target])  # past the inbox settle delay: the file is complete
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


def shell_env(**settings: str) -> dict[str, str]:
    """The environment a coordinator's shell gives a command, plus `settings`: this process's,
    without Prefect's and recall's variables, so every command measures the defaults: those
    that sections run in this process set (configure_environment), and those exported before
    `make bench`."""
    ours = (*PREFECT_DEFAULTS, "PREFECT_", "RECALL_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return env | settings


def recall(home: Path, config: Path, *args: str, **settings: str) -> Measured:
    """One `recall` command in its own process: wall time and its peak RSS. It reaches Prefect
    the embedded way, its Prefect home in the data home; `settings` (PREFECT_API_URL,
    PREFECT_HOME, ...) change the environment."""
    env = shell_env(RECALL_HOME=str(home), RECALL_CONFIG_DIR=str(config), **settings)
    command = [sys.executable, "-m", "flows.cli.main", *args, "-c", CAMPAIGN, "--as-of", AS_OF]
    return measured(command, " ".join(args), env)[0]


def intake_and_compensate(count: int, work: Path, run: int = 0) -> tuple[Measured, Path]:
    """Both commands on a new data home holding `count` claims; one embedded Prefect server
    (started by the first call) serves every call of the benchmark."""
    home, config = work / f"home-{count}-{run}", work / "config"
    if not config.exists():
        write_config(config)
    if count:
        inbox = home / "inbox" / CAMPAIGN / "lists"
        inbox.mkdir(parents=True)
        os.link(claims_file(count), inbox / "claims.csv")
    settings = {"PREFECT_HOME": str(work / "prefect")}
    intake = recall(home, config, "run", "intake", **settings)
    compensate = recall(home, config, "run", "compensate", **settings)
    both = Measured(
        intake.seconds + compensate.seconds, max(intake.peak_rss_mib, compensate.peak_rss_mib)
    )
    return both, home


def outcome(home: Path) -> dict[str, str | int]:
    """What our run decided, in the baseline's terms, read from the database."""
    con = duckdb.connect(str(home / "recall.duckdb"), read_only=True)
    try:
        (quarantined,) = con.execute("select count(*) from quarantine").fetchone() or (0,)
        entitled, total, review = con.execute(
            "select count(*), sum(total), count(*) filter (where review_reasons <> '') "
            "from entitlements"
        ).fetchone() or (0, 0, 0)
    finally:
        con.close()
    return {"quarantined": quarantined, "entitled": entitled, "review": review, "total": str(total)}


def pandas_peer(count: int, work: Path) -> tuple[Measured, dict[str, str | int]]:
    """The pandas baseline on the same file, in its own process."""
    command = [sys.executable, "-m", "bench.pandas_baseline", str(claims_file(count))]
    command += [str(work / "config"), AS_OF, CAMPAIGN]
    peer, out = measured(command, "pandas baseline", keep_stdout=True)
    figures = json.loads(out)
    figures.pop("rows")
    return peer, figures


def stop_embedded(prefect_home: Path) -> None:
    """Stop the embedded Prefect server a benchmark left running (its state file names it)."""
    state = prefect_home / STATE_FILE
    if not state.exists():
        return
    pid = json.loads(state.read_text(encoding="utf-8"))["pid"]
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    while state.exists() and Path(f"/proc/{pid}").exists():
        time.sleep(0.1)
    state.unlink(missing_ok=True)


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


def kept(count: int, work: Path) -> tuple[float, float]:
    """Seconds DuckDB alone takes to keep every row of the file: (in memory, in a database
    file). Any run that keeps the claims pays at least this; a run also checks every cell,
    keeps quarantine, entitlements, offers and instructions, and writes files."""
    source, stored = str(claims_file(count)), work / "kept.duckdb"
    seconds = []
    for database in (":memory:", str(stored)):
        started = time.perf_counter()
        con = duckdb.connect(database)
        con.execute("set enable_progress_bar = false")
        con.execute("create table kept as select * from read_csv(?, all_varchar = true)", [source])
        con.close()  # closing checkpoints: the rows are in the file
        seconds.append(time.perf_counter() - started)
    stored.unlink()
    return seconds[0], seconds[1]


def main(sizes: tuple[int, ...] = (100_000, 1_000_000)) -> list[str]:
    lines = ["## Intake + compensate", ""]
    work = Path(tempfile.mkdtemp(prefix="recall-bench-pipeline-"))
    try:
        intake_and_compensate(0, work)  # starts the embedded server, creates its database
        empty, _ = intake_and_compensate(0, work, run=1)
        lines.append(
            f"- empty inbox (two `recall` processes, the embedded Prefect server running): "
            f"{empty.seconds:.1f} s, peak RSS {empty.peak_rss_mib:,.0f} MiB"
        )
        work_at: dict[int, float] = {}
        for count in sizes:
            claims_file(count)  # generated before timing
            run, home = intake_and_compensate(count, work)
            work_s = run.seconds - empty.seconds
            floor_s = floor(count)
            memory_s, stored_s = kept(count, work)
            lines.append(
                f"- {count:,} claims: {run.seconds:.1f} s in all, work {work_s:.1f} s = "
                f"{count / work_s:,.0f} claims/s, peak RSS {run.peak_rss_mib:,.0f} MiB; "
                f"DuckDB floor {floor_s:.2f} s; work / floor = {work_s / floor_s:.1f}× "
                f"(target ≤ 2× at 1M)"
            )
            lines.append(
                f"  - DuckDB alone keeping the file's rows as text: in memory {memory_s:.2f} s "
                f"({memory_s / floor_s:.1f}× the floor), in a database file {stored_s:.2f} s "
                f"({stored_s / floor_s:.1f}× the floor); our work = {work_s / stored_s:.1f}× "
                f"the latter"
            )
            work_at[count] = work_s
            if count == 10_000_000 and 1_000_000 in work_at:
                lines.append(
                    f"  - work at 10M = {work_s / work_at[1_000_000]:.1f}× the work at 1M "
                    f"(target ≤ 12×)"
                )
            ours = outcome(home)
            if count <= PEER_MAX:
                from bench.payouts import reconcile

                settled, instructions, payouts = reconcile(home, work / "config", work / "prefect")
                lines.append(
                    f"  - reconcile: {instructions:,} instructions against {payouts:,} payout "
                    f"rows in {settled.seconds:.1f} s (start-up included), peak RSS "
                    f"{settled.peak_rss_mib:,.0f} MiB"
                )
            if count > PEER_MAX:
                lines.append(f"  - pandas baseline not run above {PEER_MAX:,} claims")
                continue
            peer, figures = pandas_peer(count, work)
            same = "the same" if figures == ours else f"DIFFERENT ({figures} vs ours {ours})"
            lines.append(
                f"  - pandas baseline: {peer.seconds:.1f} s, peak RSS {peer.peak_rss_mib:,.0f} "
                f"MiB; baseline / our work = {peer.seconds / work_s:.1f}× (target ≥ 30× at "
                f"1M); its result is {same}: {ours['entitled']:,} claims entitled, "
                f"{ours['review']:,} to review, {ours['quarantined']:,} quarantined, "
                f"total {ours['total']}"
            )
    finally:
        stop_embedded(work / "prefect")
        shutil.rmtree(work, ignore_errors=True)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"- (the benchmark process itself peaked at {own:,.0f} MiB)")
    return lines


if __name__ == "__main__":
    raise SystemExit("run `python -m bench`")
