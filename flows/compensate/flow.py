"""Compensate flow (SPEC §5): entitlements, review routing and decisions, budget, binding offers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.compensate.entitlements import entitlement_params, entitlements_of_partition
from flows.compensate.offers import candidate_totals
from flows.compensate.outputs import write_review_queue
from flows.compensate.responses import load_responses
from flows.compensate.reviews import load_decisions
from flows.scale.options import ON_THIS_MACHINE, RunOptions
from flows.scale.partitions import claims_in_partitions
from flows.scale.plans import discard_plan, discard_stale_plans
from flows.shared import db
from flows.shared.budget import BudgetDecision, NewOffers, Position, decide, reserve_position
from flows.shared.crash import crash_point
from flows.shared.files import owner_only
from flows.shared.instructions import check_instruction_files, write_instruction_files
from flows.shared.line_files import LinesRead
from flows.shared.runs import Run, flow_run


class BudgetHalt(Exception):
    """The run's new offers do not fit the reserve; no offers were made."""


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
    responses: dict[str, int]  # "<response> <outcome>": lines
    response_problems: list[str]
    # offers released in this run (SPEC §11), by reason (lapsed, withdrawn): (offers, money)
    released: dict[str, tuple[int, Decimal]] = field(default_factory=dict)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def load_review_decisions(run: Run) -> LinesRead:
    """Decision files in inbox/<c>/reviews/ → review_decisions, each line with its outcome;
    each line that did not count is logged with file, line and reason (no personal data)."""
    read = load_decisions(run)
    for problem in read.problems:
        get_run_logger().warning("review decision not taken: %s", problem)
    return read


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def load_customer_responses(run: Run) -> LinesRead:
    """Responses files in inbox/<c>/responses/ → responses, each line with its outcome (logged
    with file, line and reason when it did not count); withdrawals taken."""
    read = load_responses(run)
    for problem in read.problems:
        get_run_logger().warning("response not taken: %s", problem)
    return read


@task(cache_policy=NO_CACHE)
def compute_entitlements(run: Run, partition_files: list[Path] | None = None) -> None:
    """Entitlements for claims awaiting an offer, then routing to review (SQL); or, when the
    run was partitioned, the entitlements its partitions wrote (flows.scale) loaded."""
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
    doubled = db.rows(con, "compensate/entitlements_doubled", campaign=campaign)
    if doubled:
        claims = ", ".join(f"{row['claim_id']} ({row['entitlements']}×)" for row in doubled)
        raise DoubledEntitlement(f"claims with more than one entitlement: {claims}")


@task(cache_policy=NO_CACHE)
def make_offers(run: Run, decisions: LinesRead, responses: LinesRead) -> CompensationSummary:
    """Rejections, then the budget check over this run's candidates; offers and instructions."""
    con = run.con
    with db.transaction(con):
        db.update(con, "compensate/claims_rejected", campaign=run.campaign)
        tiers = entitlement_params(run.config, run.run_id)["tiers"]
        db.run(con, "compensate/offer_candidates", campaign=run.campaign, tiers=tiers)
        auto, decided = candidate_totals(con)
        now, _ = reserve_position(con, run.config)
        # holdbacks of the reviews decided in this run are released: their offers replace them
        released = decided.released_holdback + auto.released_holdback
        before = Position(now.available, now.offered, now.held_back - released)
        new = NewOffers(decided.total, auto.goodwill, auto.bonus, auto.expenses)
        decision: BudgetDecision = decide(run.config.budget.policy, before, new)
        made = 0
        # with require_acceptance, offers accepted tonight are instructed even on a halted night
        accepting = run.config.payments.require_acceptance
        if (decision.make_offers and auto.offers + decided.offers) or accepting:
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
            made = auto.offers + decided.offers
            db.update(con, "compensate/claims_offered", campaign=run.campaign)
            db.run(
                con,
                "compensate/runs_prorate_factor",
                factor=decision.factor,
                campaign=run.campaign,
                run_id=run.run_id,
            )
        if decision.make_offers or accepting:
            db.run(
                con,
                "compensate/payment_instructions",
                campaign=run.campaign,
                run_id=run.run_id,
                currency=run.config.campaign.currency,
                as_of=run.as_of,
                require_acceptance=accepting,
            )
    after, pending = reserve_position(con, run.config)
    (offered,) = db.rows(con, "compensate/offered_in_run", campaign=run.campaign, run_id=run.run_id)
    offered_in_run = offered["offered"]
    gave_up = {  # offers lapsed or withdrawn in this run
        row["reason"]: (row["offers"], row["released"])
        for row in db.rows(
            con, "compensate/released_in_run", campaign=run.campaign, run_id=run.run_id
        )
    }
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
        responses.outcomes,
        responses.problems,
        gave_up,
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
        responses=responses.outcomes,
        released={reason: n for reason, (n, _) in gave_up.items()},
    )
    return summary


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def write_outputs(run: Run) -> list[Path]:
    """Instruction CSVs for every run that lacks its file, and the review queue (CSV + XLSX)."""
    written = write_instruction_files(run)
    queue = run.con.sql(
        db.sql_text("compensate/review_queue"),
        params={
            "campaign": run.campaign,
            "as_of": run.as_of,
            "reply_within_days": run.config.review.reply_within_days,
        },
    )
    folder = owner_only(run.paths.out(run.campaign, "review"))
    write_review_queue(queue, folder, run.config.review.workbook_max_rows, run.as_of)
    return written


@flow(name="compensate")
def compensate(
    campaign: str,
    as_of: date | None = None,
    options: RunOptions = ON_THIS_MACHINE,
    allow_backdate: bool = False,
    allow_future: bool = False,
) -> CompensationSummary:
    """Eligible claims → entitlements → review, or an offer within the reserve → instructions.

    With `options.partitions` (hash of the claim id) or `options.partition_by="region"`,
    entitlements are computed in partition runs — on `options.work_pool`'s workers, else here
    one after another — and merged; the budget is then checked once over all of them
    (docs/scale-out.md).
    `allow_backdate` / `allow_future` let the run's as-of pass the as-of guards (flows.shared.runs).
    """
    with flow_run("compensate", campaign, as_of, allow_backdate, allow_future) as run:
        discard_stale_plans(run)
        if options.partitioned:
            files = claims_in_partitions(run, options, entitlements_of_partition)
            compute_entitlements(run, files)
            discard_plan(run, "entitlements")
        else:
            compute_entitlements(run)
        crash_point("compensate:entitlements")
        decisions = load_review_decisions(run)
        responses = load_customer_responses(run)
        summary = make_offers(run, decisions, responses)
        crash_point("compensate:offers")
        write_outputs(run)
        if summary.halted:
            raise BudgetHalt(summary.message)
        return summary
