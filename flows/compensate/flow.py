"""Compensate flow (SPEC §5): entitlements, review routing and decisions, budget, binding offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.compensate.reviews import DecisionsRead, load_decisions
from flows.scale.partitions import (
    Partitioning,
    discard_plan,
    discard_stale_plans,
    entitlements_in_partitions,
)
from flows.shared import db
from flows.shared.backup import DATABASE_BEHIND, DatabaseBehind, restore_hint
from flows.shared.budget import BudgetDecision, NewOffers, Position, decide, reserve_position
from flows.shared.config import CampaignConfig
from flows.shared.crash import crash_point
from flows.shared.files import atomic_path, owner_only, sha256_file
from flows.shared.io import write_workbook
from flows.shared.runs import Run, flow_run
from flows.shared.settings import Paths


class BudgetHalt(Exception):
    """The run's new offers do not fit the reserve; no offers were made."""


class InstructedUnknown(DatabaseBehind):
    """Instruction files on disk hold payment refs the database does not know."""


class DoubledEntitlement(Exception):
    """A claim got more than one entitlement; the run's entitlements were not committed."""


@dataclass(frozen=True)
class CompensationSummary:
    """Counts and money of one compensate run; holds no personal data."""

    run_id: str
    offers_made: int
    offered_in_run: Decimal
    prorate_factor: Decimal | None
    halted: bool
    message: str
    position: Position  # after the run
    pending_reviews: int
    decisions: dict[str, int]
    decision_problems: list[str]  # file, line and reason of each line that did not count


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def load_review_decisions(run: Run) -> DecisionsRead:
    """Decision files in inbox/<c>/reviews/ → review_decisions, each line with its outcome;
    each line that did not count is logged with file, line and reason (no personal data)."""
    read = load_decisions(run)
    for problem in read.problems:
        get_run_logger().warning("review decision not taken: %s", problem)
    return read


def entitlement_params(config: CampaignConfig, run_id: str) -> dict[str, Any]:
    """The bound parameters of sql/compensate/entitlements.sql for a campaign's rules."""
    c = config
    return {
        "campaign": c.campaign.id,
        "run_id": run_id,
        "tiers": [
            {
                "name": t.name,
                "harm": t.harm,
                "pct": str(t.goodwill_pct),
                "lo": str(t.goodwill_min),
                "hi": str(t.goodwill_max),
                "cap": str(t.expense_cap),
            }
            for t in c.tiers
        ],
        "schedule": [{"max_days": d, "rate": str(r)} for d, r in c.early_response.schedule],
        "announced_on": c.campaign.announced_on,
        "reimbursable": c.expenses.reimbursable,
        "excluded": c.expenses.excluded,
        "require_evidence": c.expenses.require_evidence,
        "review_harm": list(c.review.harm),
        "review_flags": c.review.flags,
        "amount_threshold": str(c.review.amount_threshold),
        "max_units": c.review.max_units_per_customer,
        "injury_holdback": str(c.review.injury_holdback),
    }


@task(cache_policy=NO_CACHE)
def compute_entitlements(run: Run, partition_files: list[Path] | None = None) -> None:
    """Entitlements for claims awaiting an offer, then routing to review (SQL); or, when the
    run was partitioned, the entitlements its partitions wrote (flows.scale.partitions) loaded."""
    with db.transaction(run.con):
        db.run(run.con, "compensate/entitlements_reset", campaign=run.campaign)
        if partition_files is None:
            db.run(run.con, "compensate/entitlements", **entitlement_params(run.config, run.run_id))
        elif partition_files:
            files = [str(f) for f in partition_files]
            db.run(run.con, "scale/entitlements_merge", files=files)
        check_one_entitlement_per_claim(run.con, run.campaign)
        db.update(run.con, "compensate/claims_review", campaign=run.campaign)


def check_one_entitlement_per_claim(con: duckdb.DuckDBPyConnection, campaign: str) -> None:
    """Raise DoubledEntitlement when a claim has two entitlements (the table keeps no key
    index: sql/schema/0007_entitlements_unkeyed.sql)."""
    doubled = db.run(con, "compensate/entitlements_doubled", campaign=campaign)
    if doubled:
        claims = ", ".join(f"{claim_id} ({count}×)" for claim_id, count in doubled)
        raise DoubledEntitlement(f"claims with more than one entitlement: {claims}")


@task(cache_policy=NO_CACHE)
def make_offers(run: Run, decisions: DecisionsRead) -> CompensationSummary:
    """Rejections, then the budget check over this run's candidates; offers and instructions."""
    con = run.con
    with db.transaction(con):
        db.update(con, "compensate/claims_rejected", campaign=run.campaign)
        db.run(con, "compensate/offer_candidates", campaign=run.campaign)
        totals = {row[0]: row for row in db.run(con, "compensate/offer_candidate_totals")}
        zero = (None, 0, Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(0))
        auto, decided = totals.get(True, zero), totals.get(False, zero)
        now, _ = reserve_position(con, run.config)
        # holdbacks of the reviews decided in this run are released: their offers replace them
        before = Position(now.available, now.offered, now.held_back - decided[6] - auto[6])
        new = NewOffers(decided[5], auto[2], auto[3], auto[4])
        decision: BudgetDecision = decide(run.config.budget.policy, before, new)
        made = 0
        if decision.make_offers and auto[1] + decided[1]:
            check_instruction_files(con, run.paths, run.campaign)
        if decision.make_offers:
            db.run(
                con,
                "compensate/offers",
                campaign=run.campaign,
                run_id=run.run_id,
                factor=decision.factor,
                as_of=run.as_of,
            )
            made = auto[1] + decided[1]
            db.update(con, "compensate/claims_offered", campaign=run.campaign)
            db.run(
                con,
                "compensate/payment_instructions",
                campaign=run.campaign,
                run_id=run.run_id,
                currency=run.config.campaign.currency,
                as_of=run.as_of,
            )
            db.execute(
                con,
                "update runs set prorate_factor = ? where campaign = ? and run_id = ?",
                [decision.factor, run.campaign, run.run_id],
            )
    after, pending = reserve_position(con, run.config)
    offered_in_run = db.scalar(
        con,
        "select coalesce(sum(total), 0) from offers where campaign = ? and run_id = ?",
        [run.campaign, run.run_id],
    )
    summary = CompensationSummary(
        run.run_id,
        made,
        offered_in_run,
        decision.factor,
        not decision.make_offers,
        decision.message,
        after,
        pending,
        decisions.outcomes,
        decisions.problems,
    )
    run.counts.update(
        offers_made=made,
        offered_in_run=str(summary.offered_in_run),
        prorate_factor=str(decision.factor) if decision.factor is not None else None,
        halted=summary.halted,
        available=str(after.available),
        offered=str(after.offered),
        held_back=str(after.held_back),
        pending_reviews=pending,
        decisions=decisions.outcomes,
    )
    return summary


def check_instruction_files(con: duckdb.DuckDBPyConnection, paths: Paths, campaign: str) -> None:
    """Raise InstructedUnknown when an instruction file on disk holds a payment ref the database
    does not know (SPEC §9): before any payment instruction is written.

    A file named after a run the database knows, with as many lines as that run's
    instructions, is not read again: the database wrote it from those rows (a run's
    instructions are committed at once, before its file is written), and a database behind the
    files never gets to make instructions of its own. Every other file is read in full."""
    folder = paths.out(campaign, "instructions")
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    known = dict(db.run(con, "compensate/instruction_runs", campaign=campaign)) if files else {}
    to_read = [str(f) for f in files if known.get(f.name) != _lines(f) - 1]
    if not to_read:
        return
    unknown = db.run(con, "compensate/instructed_unknown", instruction_files=to_read)
    if unknown:
        file_name, refs, first_ref = unknown[0]
        more = f" and {len(unknown) - 1} more file(s)" if len(unknown) > 1 else ""
        raise InstructedUnknown(
            f"{folder / file_name}{more}: {refs:,} payment refs (e.g. {first_ref}) are already "
            f"instructed, but {DATABASE_BEHIND}: {restore_hint(paths)}"
        )


def _lines(path: Path) -> int:
    """Newlines in the file, counted without parsing it (about 1 GB/s)."""
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def write_instruction_files(run: Run) -> list[Path]:
    """`out/<c>/instructions/<instructed_on>-<run>.csv` for every run whose file is missing."""
    written = []
    folder = owner_only(run.paths.out(run.campaign, "instructions"))
    runs = run.con.execute(
        "select distinct run_id, instructed_on from payment_instructions where campaign = ?",
        [run.campaign],
    ).fetchall()
    for run_id, instructed_on in runs:
        target = folder / f"{instructed_on}-{run_id}.csv"
        if not target.exists():
            rows = run.con.sql(
                db.sql_text("compensate/instruction_rows"),
                params={"campaign": run.campaign, "run_id": run_id},
            )
            with atomic_path(target, mode=0o600) as tmp:
                rows.pl(lazy=True).sink_csv(tmp)  # streamed: memory does not grow with it
                crash_point("instructions:file")  # written, not yet in place
            written.append(target)
    return written


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def write_outputs(run: Run) -> list[Path]:
    """Instruction CSVs for every run that lacks its file, and the review queue (CSV + XLSX)."""
    written = write_instruction_files(run)
    queue = run.con.sql(db.sql_text("compensate/review_queue"), params={"campaign": run.campaign})
    folder = owner_only(run.paths.out(run.campaign, "review"))
    write_review_queue(queue, folder, run.config.review.workbook_max_rows)
    return written


def write_review_queue(queue: duckdb.DuckDBPyRelation, folder: Path, max_rows: int) -> None:
    """queue.csv, and queue.xlsx up to `max_rows` reviews; both left as they are when the
    queue has not changed (the workbook costs ~17 µs a cell here: 70,000 reviews take about
    20 s)."""
    csv_file, workbook = folder / "queue.csv", folder / "queue.xlsx"
    with atomic_path(csv_file, mode=0o600) as tmp:
        queue.pl(lazy=True).sink_csv(tmp)
        rows = int(pl.scan_csv(tmp).select(pl.len()).collect().item())
        fits = rows <= max_rows
        unchanged = csv_file.exists() and sha256_file(csv_file) == sha256_file(tmp)
        if unchanged and (workbook.exists() or not fits):
            return
        if fits:
            with atomic_path(workbook, mode=0o600) as book:
                write_workbook({"review queue": queue.pl()}, book)
        else:
            workbook.unlink(missing_ok=True)
            get_run_logger().warning(
                "the review queue has %d reviews; queue.xlsx is written up to %d "
                "([review] workbook_max_rows): use queue.csv",
                rows,
                max_rows,
            )


@flow(name="compensate")
def compensate(
    campaign: str,
    as_of: date | None = None,
    partitions: int | None = None,
    partition_by: str = "hash",
    work_pool: str | None = None,
    allow_backdate: bool = False,
    allow_future: bool = False,
) -> CompensationSummary:
    """Eligible claims → entitlements → review, or an offer within the reserve → instructions.

    With `partitions` (hash of the claim id) or `partition_by="region"`, entitlements are
    computed in partition runs — on `work_pool`'s workers, else here one after another — and
    merged; the budget is then checked once over all of them (docs/scale-out.md).
    `allow_backdate` / `allow_future` let the run's as-of pass the as-of guards (flows.shared.runs).
    """
    partitioning = Partitioning.of(partitions, partition_by, work_pool)
    with flow_run("compensate", campaign, as_of, allow_backdate, allow_future) as run:
        discard_stale_plans(run)
        if partitioning:
            files = entitlements_in_partitions(run, partitioning)
            compute_entitlements(run, files)
            discard_plan(run, "entitlements")
        else:
            compute_entitlements(run)
        crash_point("compensate:entitlements")
        decisions = load_review_decisions(run)
        summary = make_offers(run, decisions)
        crash_point("compensate:offers")
        write_outputs(run)
        if summary.halted:
            raise BudgetHalt(summary.message)
        return summary
