"""Reconcile flow (SPEC §7): payouts against instructions, reissues, reserve position, reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.reconcile.payout_files import PayoutRead, read_payouts
from flows.reconcile.reports import summary_markdown, write_reports
from flows.reconcile.statements import (
    PAYOUT_FILES,
    StatementFate,
    StatementsRejected,
    fate_rows,
    judge,
    record,
    rejected,
    staged_counts,
    unbalanced,
)
from flows.reconcile.summary import (
    Alert,
    ReconcileSummary,
    ReconciliationAlert,
    ReservePosition,
    Unmatched,
)
from flows.shared import db
from flows.shared.budget import reserve_position
from flows.shared.crash import crash_point
from flows.shared.inbox import FileOutcome, ingest, load_waiting, stage_view
from flows.shared.instructions import check_instruction_files, write_instruction_files
from flows.shared.runs import Run, flow_run
from flows.shared.words import CLASSES


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def load_payout_file(run: Run, path: Path) -> FileOutcome:
    """Archive one payout file by sha256 and load its new payouts (by provider_txn_id); a bank
    file's statements each loaded, skipped when seen before, or the file rejected
    (flows.reconcile.statements)."""
    read_as: list[PayoutRead] = []
    fates: list[StatementFate] = []

    def read(copy: Path, workdir: Path) -> pl.LazyFrame:
        found = read_payouts(copy, run.config, workdir, path.name)
        read_as.append(found)
        try:
            fates.extend(judge(run.con, run.config, run.campaign, found))
        except StatementsRejected as exc:
            fates.extend(exc.fates)
            raise
        skipped = [f.statement.statement_no for f in fates if f.status == "skipped"]
        if not skipped:
            return found.frame
        return found.frame.filter(~pl.col("statement_no").is_in(skipped).fill_null(False))

    def load(stage: Path, sha256: str, seq: int) -> int:
        with stage_view(run.con, "stage_payouts", stage, path, sha256, seq):
            db.run(run.con, "reconcile/payout_rows")
        db.run(run.con, "reconcile/payout_quarantine", campaign=run.campaign, run_id=run.run_id)
        db.run(run.con, "reconcile/payouts", campaign=run.campaign, run_id=run.run_id)
        counts = staged_counts(run.con)
        record(
            run.con, run.campaign, run.run_id, sha256, path.name, read_as[0].format, fates, counts
        )
        return sum(c[1] for c in counts.values())

    outcome = ingest(run, "payouts", path, read, load)
    if outcome.status == "rejected" and fates:
        record(
            run.con, run.campaign, run.run_id, outcome.sha256, path.name, read_as[0].format, fates
        )
    return outcome


def payout_file_rows(run: Run, files: list[FileOutcome]) -> list[dict[str, Any]]:
    """payout_files.csv: a row per statement read by the runs of this as-of (a provider's
    file is one), and one per other file of this run (rejected before a statement was read,
    left for a later run, or not read) with what became of it; files loaded on an earlier day
    are told in that day's."""
    rows = fate_rows(run.con, run.campaign, run.as_of)
    told = {r["file"] for r in rows}
    for f in files:
        if f.file_name in told:
            continue
        if f.status == "skipped":  # told where first loaded, unless it came under another name
            first = loaded_as(run, f.sha256)
            if first in (None, f.file_name):
                continue
            f = replace(f, message=f"the same bytes as {first}, loaded before")
        rows.append(
            dict.fromkeys(PAYOUT_FILES)
            | {
                "file": f.file_name,
                "format": Path(f.file_name).suffix.lower().lstrip("."),
                "entries": f.rows or None,
                "quarantined": f.quarantined or None,
                "status": f.status,
                "message": f.message,
            }
        )
    return rows


def loaded_as(run: Run, sha256: str) -> str | None:
    """The name a payout file of these bytes was first loaded under."""
    [(found,)] = db.run(
        run.con, "reconcile/payout_file_loaded_as", campaign=run.campaign, sha256=sha256
    )
    return str(found) if found is not None else None


def classify(
    con: duckdb.DuckDBPyConnection, campaign: str, run_id: str, as_of: date, max_reissues: int
) -> int:
    """Reissue failed payments, then put every instruction and payout in its class (SQL), in
    one transaction. Returns how many instructions were reissued."""
    with db.transaction(con):
        db.run(con, "reconcile/instruction_payments", campaign=campaign, as_of=as_of)
        [(reissued,)] = db.run(  # an insert answers with how many rows it added
            con, "reconcile/reissues", run_id=run_id, as_of=as_of, max_reissues=max_reissues
        )
        db.run(con, "reconcile/instruction_payments", campaign=campaign, as_of=as_of)
        db.run(con, "reconcile/reconciliation_items_reset", campaign=campaign)
        db.run(con, "reconcile/reconciliation_items", campaign=campaign, run_id=run_id, as_of=as_of)
        db.run(con, "reconcile/chain_totals", campaign=campaign)
    return int(reissued)


@task(cache_policy=NO_CACHE)
def match(run: Run) -> int:
    """Every instruction and payout in one class; failed payments reissued — not when the
    instruction files hold refs the database does not know (it would reissue paid ones)."""
    check_instruction_files(run.con, run.paths, run.campaign)
    return classify(run.con, run.campaign, run.run_id, run.as_of, run.config.payments.max_reissues)


def money_totals(con: duckdb.DuckDBPyConnection) -> dict[str, Decimal]:
    """paid + outstanding + failed_not_reissued = instructed (chains counted once), from the
    chain_totals of the campaign that classify just classed."""
    cursor = con.execute(db.sql_text("reconcile/totals"))
    names = [d[0] for d in cursor.description or []]
    return dict(zip(names, cursor.fetchone() or (), strict=True))


def unmatched_money(con: duckdb.DuckDBPyConnection, campaign: str) -> list[Unmatched]:
    """Per class and currency: never added across currencies (SPEC §7)."""
    return [
        Unmatched(str(k), str(c), int(n), Decimal(v))
        for k, c, n, v in db.run(con, "reconcile/unmatched_money", campaign=campaign)
    ]


@task(cache_policy=NO_CACHE)
def position(run: Run, totals: dict[str, Decimal]) -> ReservePosition:
    budget, _ = reserve_position(run.con, run.config)
    return ReservePosition(
        reserve=run.config.campaign.reserve,
        top_ups=budget.available - run.config.campaign.reserve,
        offered=budget.offered,
        held_back=budget.held_back,
        paid=totals["paid_net"],
        outstanding=totals["outstanding"],
        failed_not_reissued=totals["failed_not_reissued"],
        warn_at=run.config.reconcile.utilisation_warning,
    )


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def write_outputs(run: Run, summary: ReconcileSummary) -> Path:
    """Instruction files for reissues, and the finance reports of as_of."""
    write_instruction_files(run)
    return write_reports(run, summary)


@task(cache_policy=NO_CACHE)
def publish(summary: ReconcileSummary, currency: str) -> None:
    """Prefect markdown and table artifacts: counts and money, no personal data."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_markdown_artifact(
        summary_markdown(summary, currency),
        key="reconciliation-summary",
        description="Reserve position, totals and alerts",
    )
    create_table_artifact(
        [
            {"item": i, "class": c, "what": CLASSES.get(c, c), "count": n}
            | {"instructed": str(a), "paid": str(p)}
            for i, c, n, a, p in summary.classes
        ],
        key="reconciliation-classes",
        description="Instructions and payouts per class",
    )
    told = ("file", "format", "statement_id", "entries", "payouts_loaded", "quarantined")
    create_table_artifact(
        [
            {k: str(r[k]) if r[k] is not None else "" for k in (*told, "not_ours", "status")}
            | {"balance_ok": {True: "yes", False: "NO", None: ""}[r["balance_ok"]]}
            for r in summary.payout_files
        ],
        key="reconciliation-payout-files",
        description="Each payout file's or bank statement's fate (payout_files.csv)",
    )


@flow(name="reconcile")
def reconcile(
    campaign: str,
    as_of: date | None = None,
    allow_backdate: bool = False,
    allow_future: bool = False,
) -> ReconcileSummary:
    """New payout files → payouts → every instruction and payout classed → reports, alerts.

    `allow_backdate` / `allow_future` let the run's as-of pass the as-of guards (`shared.runs`)."""
    with flow_run("reconcile", campaign, as_of, allow_backdate, allow_future) as run:
        files = load_waiting(run, "payouts", load_payout_file)
        reissued = match(run)
        crash_point("reconcile:classified")
        totals = money_totals(run.con)
        classes = [
            (str(i), str(c), int(n), Decimal(a), Decimal(p))
            for i, c, n, a, p in db.run(run.con, "reconcile/class_counts", campaign=campaign)
        ]
        reserve = position(run, totals)
        fates = payout_file_rows(run, files)
        alerts = [Alert("statement_unbalanced", "error", m) for m in unbalanced(fates)]
        alerts += [Alert("statement_rejected", "warning", m) for m in rejected(fates)]
        summary = ReconcileSummary(
            run.run_id,
            files,
            classes,
            totals,
            reserve,
            alerts + reserve.alerts(),
            reissued,
            fates,
            unmatched_money(run.con, run.campaign),
            run.config.campaign.currency,
        )
        folder = write_outputs(run, summary)
        publish(summary, run.config.campaign.currency)
        run.counts.update(
            files=dict(Counter(f.status for f in files)),
            classes={f"{i}/{c}": n for i, c, n, _, _ in classes},
            money={k: str(v) for k, v in totals.items()},
            reissued=reissued,
            alerts=[a.code for a in summary.alerts],
        )
        errors = [a for a in summary.alerts if a.severity == "error"]
        if errors:
            raise ReconciliationAlert(
                "; ".join(a.message for a in errors) + f" (reports in {folder})",
                replace(summary, reports=folder),
            )
        return replace(summary, reports=folder)
