"""A night with customer responses at scale (SPEC §11), beside the same night without them.

One data home of N claims has its first night (`recall run nightly` at AS_OF: intake,
compensate, letters, reconcile: offers, their instructions and letters); that home is kept in
the benchmark cache (/tmp/recall-bench-data, keyed by the size and the schema migrations) and
copied twice while nothing runs. Into one copy's inbox goes one responses file of R lines of
mixed kinds, written by one DuckDB query over the claims the first night left (`mix`): mostly
acceptances and ratings of offered claims, receipts for offers that waited for them, disputes
of offers and appeals of ineligible or rejected claims, withdrawals of claims in review, and
about 1 % lines that do not count (unknown claims, responses that do not fit the claim,
invalid lines) plus acceptances sent twice. Then the same `recall run nightly` of the next day
runs on each copy in its own process, as an operator runs it, the embedded Prefect server
running (started by an untimed night on a small home first). The outcome of every line is read
back from the database.

Run alone: `python -m bench.responses [CLAIMS [RESPONSES]]` (else $BENCH_RESPONSES_SIZE as
CLAIMS,RESPONSES; defaults 1,000,000 claims, RESPONSES a tenth of CLAIMS). `make bench` runs it
as a section.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from bench.measure import Measured, measured
from bench.pipeline import (
    AS_OF,
    CACHE,
    CAMPAIGN,
    claims_file,
    shell_env,
    stop_embedded,
    write_config,
)
from flows.cli.demo import dropped_a_while_ago
from flows.shared.settings import SQL_DIR

DEFAULT_CLAIMS = 1_000_000
OUTCOME_NAMES = ("taken", "unknown_claim", "not_fitting", "repeated", "invalid")
WARM_UP = (2_000, 200)  # claims and responses of the untimed night that starts the server
NEXT = str(date.fromisoformat(AS_OF) + timedelta(days=1))  # the night that is timed
# share of the file per kind; ratings take what the others leave
SHARES = {
    "accept": 0.445,
    "evidence": 0.08,
    "dispute": 0.07,  # of an offered claim
    "appeal": 0.01,  # a dispute of an ineligible or rejected claim
    "withdraw": 0.08,  # of a claim in review
    "accept_again": 0.005,  # an accepted claim's acceptance sent a second time: repeated
    "unknown_claim": 0.004,
    "not_fitting": 0.003,  # a withdrawal of an offered claim (its payment is instructed)
    "invalid": 0.003,  # a rating out of range, a word that is no response, a date that is none
}

# the claims the first night left, by what a response can do with them
POOLS = """
create temp table pools as
select
    c.claim_id,
    case
        when c.status = 'offered' and contains(coalesce(o.expense_notes, ''),
            'expense_no_evidence') then 'receipts_awaited'
        when c.status = 'offered' then 'offered'
        when c.status in ('ineligible', 'rejected') then 'appealable'
        when c.status in ('review', 'eligible') then 'withdrawable'
    end as pool,
    row_number() over (partition by pool order by hash(c.claim_id), c.claim_id) as n,
from home.claims as c
left join home.offers as o on o.claim_id = c.claim_id and o.offer_version = 1
where c.campaign = $campaign and pool is not null
"""

# one line per response, shuffled as customers send them; $accept ... the lines per kind.
# Offered claims without awaited receipts are cut in slices: accept, dispute, not fitting,
# invalid; ratings go to the claims after them (a claim rated twice when they run out).
LINES = """
create temp table lines as
with offered as (select claim_id, n from pools where pool = 'offered'),
cut as (
    select
        $accept as a,
        $accept + $dispute as d,
        $accept + $dispute + $not_fitting as f,
        $accept + $dispute + $not_fitting + $invalid as i,
        (select count(*) from offered) as total,
),
lines as (
    select o.claim_id, 'accept' as response, null as amount, null as evidence, null as score,
        null as note, $day as received_on
    from offered as o, cut where o.n <= cut.a
    union all
    select o.claim_id, 'accept', null, null, null, 'sent again', $day
    from offered as o where o.n <= $accept_again
    union all
    select o.claim_id, 'dispute', null, null, null, 'the bonus is too small', $day
    from offered as o, cut where o.n > cut.a and o.n <= cut.d
    union all
    select o.claim_id, 'withdraw', null, null, null, null, $day
    from offered as o, cut where o.n > cut.d and o.n <= cut.f
    union all
    select o.claim_id, case o.n % 3 when 0 then 'rating' when 1 then 'thanks' else 'accept' end,
        null, null, case o.n % 3 when 0 then '9' end, null,
        case o.n % 3 when 2 then 'last week' else $day end
    from offered as o, cut where o.n > cut.f and o.n <= cut.i
    union all
    select o.claim_id, 'rating', null, null, (1 + hash(g.k) % 5)::varchar,
        case when g.k % 4 = 0 then 'settled, thank you' end, $day
    from range($rating) as g(k)
    cross join cut
    join offered as o on o.n = cut.i + 1 + g.k % greatest(cut.total - cut.i, 1)
    union all
    select claim_id, 'evidence', null, format('receipt-{}.jpg', n), null, null, $day
    from pools where pool = 'receipts_awaited' and n <= $evidence
    union all
    select claim_id, 'dispute', null, null, null, 'it is a K3', $day
    from pools where pool = 'appealable' and n <= $appeal
    union all
    select claim_id, 'withdraw', null, null, null, 'solved it myself', $day
    from pools where pool = 'withdrawable' and n <= $withdraw
    union all
    select format('000000000000-{:07d}', k + 1), 'accept', null, null, null, null, $day
    from range($unknown_claim) as g(k)
)
select * from lines order by hash(claim_id, response, note), claim_id, response, note
"""


@dataclass(frozen=True)
class Night:
    """One timed night: the command's seconds and peak RSS, each step's seconds (its run's
    start to finish), the letters it wrote by kind, and the 1-minute load as it started."""

    run: Measured
    steps: dict[str, float]
    tasks: dict[str, float]  # Prefect's task runs of the night's steps, seconds by task
    letters: dict[str, int]
    load: float


def schema_key() -> str:
    """The schema migrations the cached home was made with: a home made before a new migration
    would spend the timed night migrating."""
    digest = hashlib.sha256()
    for path in sorted((SQL_DIR / "schema").glob("*.sql")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def nightly(home: Path, config: Path, prefect: Path, as_of: str) -> Measured:
    """`recall run nightly` in its own process, as an operator runs it."""
    env = shell_env(RECALL_HOME=str(home), RECALL_CONFIG_DIR=str(config), PREFECT_HOME=str(prefect))
    command = [sys.executable, "-m", "flows.cli.main", "run", "nightly", "-c", CAMPAIGN]
    return measured([*command, "--as-of", as_of], f"nightly {as_of}", env)[0]


def first_night(count: int, config: Path, prefect: Path) -> Path:
    """A data home of `count` claims after its first night, from the cache or made there."""
    home = CACHE / f"responses-home-{count}-{schema_key()}"
    if home.exists():
        return home
    making = home.with_suffix(".part")
    shutil.rmtree(making, ignore_errors=True)
    inbox = making / "inbox" / CAMPAIGN / "lists"
    inbox.mkdir(parents=True)
    os.link(claims_file(count), inbox / "claims.csv")
    nightly(making, config, prefect, AS_OF)
    making.rename(home)
    return home


def copy_of(home: Path, target: Path) -> Path:
    shutil.copytree(home, target, symlinks=True)
    return target


def quotas(pools: dict[str, int], responses: int) -> dict[str, int]:
    """Lines per kind: each kind its share of `responses` as far as its claims go (offered
    claims taken slice after slice), ratings the rest."""
    want = {kind: round(responses * share) for kind, share in SHARES.items()}
    q = {
        "evidence": min(want["evidence"], pools.get("receipts_awaited", 0)),
        "appeal": min(want["appeal"], pools.get("appealable", 0)),
        "withdraw": min(want["withdraw"], pools.get("withdrawable", 0)),
        "unknown_claim": want["unknown_claim"],
    }
    left = pools.get("offered", 0)
    for kind in ("accept", "dispute", "not_fitting", "invalid"):
        q[kind] = min(want[kind], left)
        left -= q[kind]
    q["accept_again"] = min(want["accept_again"], q["accept"])
    q["rating"] = max(responses - sum(q.values()), 0) if left else 0
    return q


def write_responses(home: Path, responses: int) -> dict[str, int]:
    """One responses file of about `responses` lines in the home's inbox (one DuckDB query over
    the home's claims); the lines per kind."""
    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach '{home / 'recall.duckdb'}' as home (read_only)")
        con.execute(POOLS, {"campaign": CAMPAIGN})
        pools = dict(con.execute("select pool, count(*) from pools group by all").fetchall())
        q = quotas(pools, responses)
        con.execute(LINES, {**q, "day": NEXT})
        target = home / "inbox" / CAMPAIGN / "responses" / f"responses_{NEXT}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy lines to '{target}' (header)")
    finally:
        con.close()
    dropped_a_while_ago([target])  # past the inbox settle delay: the file is complete
    return q


def read_back(home: Path, query: str, **params: str) -> list[tuple[Any, ...]]:
    """The rows of `query` over the home's database, the campaign bound as $campaign."""
    con = duckdb.connect(str(home / "recall.duckdb"), read_only=True)
    try:
        return con.execute(query, {"campaign": CAMPAIGN, **params}).fetchall()
    finally:
        con.close()


STEPS = """
select flow, epoch(finished_at - started_at), prefect_flow_run_id from runs
where campaign = $campaign and as_of = $day::date
"""
LETTERS = """
select l.kind, count(*) from letters as l
join runs as r on r.campaign = l.campaign and r.run_id = l.run_id
where l.campaign = $campaign and r.as_of = $day::date group by all
"""
OUTCOMES = """
select response, outcome, count(*) from responses where campaign = $campaign group by all
"""
EFFECTS = """
select
    (select count(*) from disputes where kind = 'dispute') as disputes,
    (select count(*) from disputes where kind = 'appeal') as appeals,
    (select count(*) from claims where campaign = $campaign and status = 'withdrawn')
        as withdrawn,
    (select count(*) from offers where campaign = $campaign and source = 'evidence')
        as supplements,
    (select coalesce(sum(total), 0) from offers where campaign = $campaign
        and source = 'evidence') as supplemented,
"""


def task_seconds(prefect: Path, flow_runs: list[str]) -> dict[str, float]:
    """Seconds by task (its name without Prefect's suffix) over the task runs of `flow_runs`,
    read from the embedded server's database."""
    con = sqlite3.connect(f"file:{prefect / 'prefect.db'}?mode=ro", uri=True)
    try:
        marks = ", ".join("?" * len(flow_runs))
        rows = con.execute(
            f"select name, start_time, end_time from task_run where flow_run_id in ({marks}) "
            "and end_time is not null",
            flow_runs,
        ).fetchall()
    finally:
        con.close()
    seconds: dict[str, float] = {}
    for name, start, end in rows:
        took = datetime.fromisoformat(end) - datetime.fromisoformat(start)
        task = name.rsplit("-", 1)[0]
        seconds[task] = seconds.get(task, 0.0) + took.total_seconds()
    return seconds


def timed_night(home: Path, config: Path, prefect: Path) -> Night:
    load = os.getloadavg()[0]  # the machine is shared: what else was running
    run = nightly(home, config, prefect, NEXT)
    found = read_back(home, STEPS, day=NEXT)
    steps = {str(flow): float(s) for flow, s, _ in found}
    tasks = task_seconds(prefect, [str(r) for _, _, r in found if r])
    letters = {str(kind): int(n) for kind, n in read_back(home, LETTERS, day=NEXT)}
    return Night(run, steps, tasks, letters, load)


def sizes(given: list[str]) -> tuple[int, int]:
    """Claims and responses: from the command line, else $BENCH_RESPONSES_SIZE
    (CLAIMS,RESPONSES), else the defaults; without RESPONSES, a tenth of CLAIMS."""
    numbers = [int(n) for n in given or os.environ.get("BENCH_RESPONSES_SIZE", "").split(",") if n]
    claims = numbers[0] if numbers else DEFAULT_CLAIMS
    return claims, numbers[1] if len(numbers) > 1 else max(claims // 10, 1)


def main(count: int = DEFAULT_CLAIMS, responses: int = DEFAULT_CLAIMS // 10) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="recall-bench-responses-"))
    config, prefect = work / "config", work / "prefect"
    write_config(config)
    try:
        claims_file(count)  # generated before anything is timed
        made = first_night(count, config, prefect)
        warm = copy_of(first_night(WARM_UP[0], config, prefect), work / "home-warm-up")
        write_responses(warm, WARM_UP[1])
        nightly(warm, config, prefect, NEXT)  # starts the server; the code is read once
        without = copy_of(made, work / "home-without")
        with_responses = copy_of(made, work / "home-with")
        written = write_responses(with_responses, responses)
        os.sync()  # the copies and the file on disk: no writeback during a timed run
        nights = {
            "without": timed_night(without, config, prefect),
            "with": timed_night(with_responses, config, prefect),
        }
        outcomes = read_back(with_responses, OUTCOMES)
        (effects,) = read_back(with_responses, EFFECTS)
    finally:
        stop_embedded(prefect)
        shutil.rmtree(work, ignore_errors=True)
    return report(count, written, nights, outcomes, effects)


def differences(without: dict[str, float], with_: dict[str, float]) -> str:
    """The tasks whose time changed most, with their seconds in both nights."""
    change = {t: with_.get(t, 0.0) - without.get(t, 0.0) for t in {*without, *with_}}
    largest = sorted(change, key=lambda t: -abs(change[t]))[:5]
    return ", ".join(
        f"{t} {change[t]:+.1f} s ({without.get(t, 0.0):.1f} → {with_.get(t, 0.0):.1f})"
        for t in largest
    )


def report(
    count: int,
    written: dict[str, int],
    nights: dict[str, Night],
    outcomes: list[tuple[Any, ...]],
    effects: tuple[Any, ...],
) -> list[str]:
    lines_in_file = sum(written.values())
    without, with_ = nights["without"], nights["with"]
    steps = sorted({*without.steps, *with_.steps}, key=lambda s: (s != "intake", s))
    lines = [
        f"## A night with {lines_in_file:,} customer responses on {count:,} claims",
        "",
        f"Command: `python -m bench.responses {count} {lines_in_file}` (a section of `make "
        f"bench`): one home after its first night ({AS_OF}), copied twice; the same `recall run "
        f"nightly --as-of {NEXT}` on each copy in its own process, the embedded Prefect server "
        f"running, one copy with a responses file in its inbox. A step's seconds are its run's "
        f"start to finish (runs table); load = the machine's 1-minute load average as the night "
        f"started (2 cores, shared).",
        "",
        "| night | seconds | peak RSS MiB | "
        + " | ".join(f"{s} s" for s in steps)
        + " | letters | load |",
        "|---|---:|---:|" + "---:|" * len(steps) + "---|---:|",
    ]
    for name, night in (
        ("without responses", without),
        (f"with {lines_in_file:,} responses", with_),
    ):
        letters = ", ".join(f"{k} {v:,}" for k, v in sorted(night.letters.items())) or "none"
        lines.append(
            f"| {name} | {night.run.seconds:.1f} | {night.run.peak_rss_mib:,.0f} | "
            + " | ".join(f"{night.steps.get(s, 0):.1f}" for s in steps)
            + f" | {letters} | {night.load:.1f} |"
        )
    extra = with_.run.seconds - without.run.seconds
    lines += [
        "",
        f"- with responses / without: **{with_.run.seconds / without.run.seconds:.2f}×** "
        f"({extra:+.1f} s"
        + (f", {extra / lines_in_file * 1e6:,.0f} µs per line)" if extra > 0 else ")"),
        "- where the time went (Prefect's task runs of the night's steps, with − without, "
        "the five largest differences): " + differences(without.tasks, with_.tasks),
        "- lines written, per kind: " + ", ".join(f"{k} {v:,}" for k, v in written.items()),
    ]
    by_outcome: dict[str, int] = {}
    for _, outcome, n in outcomes:
        by_outcome[str(outcome)] = by_outcome.get(str(outcome), 0) + int(n)
    lines.append(
        "- outcomes read back from the database: "
        + ", ".join(f"{k} {by_outcome.get(k, 0):,}" for k in OUTCOME_NAMES)
    )
    detail = ", ".join(f"{r} {o} {int(n):,}" for r, o, n in sorted(outcomes, key=str))
    lines.append(f"  - per response: {detail}")
    disputes, appeals, withdrawn, supplements, supplemented = effects
    lines.append(
        f"- what they did: {disputes:,} disputes and {appeals:,} appeals opened (to review), "
        f"{withdrawn:,} claims withdrawn, {supplements:,} supplementary offers for receipts "
        f"({supplemented})"
    )
    return lines


if __name__ == "__main__":
    print("\n".join(main(*sizes(sys.argv[1:]))))
