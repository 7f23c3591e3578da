"""The commands that run a flow: `recall run intake|compensate|letters|reconcile|nightly`,
`recall requeue` and `recall report effect` (main.py registers them)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from flows.cli.failures import fail
from flows.cli.flow_runs import run_flow, run_night
from flows.cli.options import (
    AllowBackdateOpt,
    AllowFutureOpt,
    AsOfOpt,
    BatchSizeOpt,
    CampaignOpt,
    DaskAddressOpt,
    PartitionBy,
    PartitionByOpt,
    PartitionsOpt,
    Runner,
    RunnerOpt,
    WorkPoolOpt,
    allowances,
    partition_options,
    rendering_options,
)
from flows.cli.printing import (
    console,
    print_compensation,
    print_effect,
    print_intake,
    print_letters,
    print_reconciliation,
)
from flows.shared.settings import Paths


def run_intake(
    campaign: CampaignOpt,
    as_of: AsOfOpt = None,
    allow_backdate: AllowBackdateOpt = False,
    allow_future: AllowFutureOpt = False,
) -> None:
    """Load every new customer list in inbox/<campaign>/lists/ as claims."""
    allow = allowances(allow_backdate, allow_future)
    print_intake(run_flow("intake", campaign, as_of, **allow))


def run_compensate(
    campaign: CampaignOpt,
    as_of: AsOfOpt = None,
    partitions: PartitionsOpt = None,
    partition_by: PartitionByOpt = PartitionBy.hash,
    work_pool: WorkPoolOpt = None,
    allow_backdate: AllowBackdateOpt = False,
    allow_future: AllowFutureOpt = False,
) -> None:
    """Compute entitlements, route reviews, apply decisions, make offers within the reserve."""
    from flows.shared.runs import load_config

    split = partition_options(partitions, partition_by, work_pool)
    split |= allowances(allow_backdate, allow_future)
    currency = load_config(Paths.from_env(), campaign).campaign.currency
    print_compensation(run_flow("compensate", campaign, as_of, **split), currency)


def run_letters(
    campaign: CampaignOpt,
    as_of: AsOfOpt = None,
    runner: RunnerOpt = Runner.process,
    dask_address: DaskAddressOpt = None,
    batch_size: BatchSizeOpt = None,
    partitions: PartitionsOpt = None,
    partition_by: PartitionByOpt = PartitionBy.hash,
    work_pool: WorkPoolOpt = None,
    allow_backdate: AllowBackdateOpt = False,
    allow_future: AllowFutureOpt = False,
) -> None:
    """Write offer, acknowledgement and rejection letters not yet sent (approved templates only)."""
    options = rendering_options(
        runner, dask_address, batch_size, partitions, partition_by, work_pool
    )
    options |= allowances(allow_backdate, allow_future)
    print_letters(run_flow("letters", campaign, as_of, **options))


def run_reconcile(
    campaign: CampaignOpt,
    as_of: AsOfOpt = None,
    allow_backdate: AllowBackdateOpt = False,
    allow_future: AllowFutureOpt = False,
) -> None:
    """Load new payout files, match them to instructions, reissue failures, write the reports."""
    from flows.shared.runs import load_config

    currency = load_config(Paths.from_env(), campaign).campaign.currency
    allow = allowances(allow_backdate, allow_future)
    try:
        summary = run_flow("reconcile", campaign, as_of, **allow)
    except Exception as exc:  # an error alert: what the run found, then its one error line
        if getattr(exc, "summary", None) is not None:
            print_reconciliation(exc.summary, currency, failed=True)  # type: ignore[attr-defined]
        raise
    print_reconciliation(summary, currency)


def run_nightly(
    campaign: Annotated[
        str,
        typer.Option(
            "--campaign", "-c", help="Campaign id, or `all` for every configured campaign."
        ),
    ],
    as_of: AsOfOpt = None,
    runner: RunnerOpt = Runner.process,
    dask_address: DaskAddressOpt = None,
    batch_size: BatchSizeOpt = None,
    partitions: PartitionsOpt = None,
    partition_by: PartitionByOpt = PartitionBy.hash,
    work_pool: WorkPoolOpt = None,
    allow_backdate: AllowBackdateOpt = False,
    allow_future: AllowFutureOpt = False,
) -> None:
    """Intake → review decisions and compensation → letters → reconcile, over everything new."""
    options = rendering_options(
        runner, dask_address, batch_size, partitions, partition_by, work_pool
    )
    from flows.shared.backup import backups_keep

    backups_keep()  # a bad RECALL_BACKUPS_KEEP is refused before any campaign runs
    options |= allowances(allow_backdate, allow_future)
    campaigns = [campaign]
    if campaign == "all":
        folder = Paths.from_env().config_dir / "campaigns"
        campaigns = sorted(p.stem for p in folder.glob("*.toml"))
        if not campaigns:
            raise fail(f"no campaigns configured in {folder}", 2)
    failed = [c for c in campaigns if run_night(c, as_of, **options) is None]
    if failed and len(campaigns) == 1:
        raise typer.Exit(1)  # its error lines are printed
    if failed:
        raise fail(f"the nightly run failed for {', '.join(failed)}", 1)


def requeue(
    campaign: CampaignOpt,
    file: Annotated[
        str | None,
        typer.Option("--file", help="Only this customer list (its name as dropped in the inbox)."),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            help="Only rows with this quarantine reason, e.g. future_date:claim_date, "
            "or a kind such as future_date.",
        ),
    ] = None,
    as_of: Annotated[
        date | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="The day the rows are read as if they arrived (default today).",
        ),
    ] = None,
    allow_backdate: AllowBackdateOpt = False,
    allow_future: AllowFutureOpt = False,
) -> None:
    """Read the quarantined rows of archived customer lists again as of a day (after an intake
    with a wrong --as-of): rows that pass become claims; the next compensate offers them."""
    from flows.intake.requeue import check_reason

    check_reason(reason)
    options = {"file": file, "reason": reason} | allowances(allow_backdate, allow_future)
    summary = run_flow("requeue", campaign, as_of, **options)
    files = Table(title=f"Requeue run {summary.run_id}", title_justify="left")
    for column in ("file", "read again", "now claims", "still quarantined"):
        files.add_column(column, justify="left" if column == "file" else "right")
    for f in summary.files:
        files.add_row(f.file_name, f"{f.read_again:,}", f"{f.claims:,}", f"{f.quarantined:,}")
    console.print(files)
    console.print(
        f"{summary.read_again:,} row(s) read again: {summary.claims:,} now claims, "
        f"{summary.quarantined:,} still quarantined"
    )
    if summary.claims:
        console.print(
            f"next: recall run nightly --campaign {campaign} --as-of {summary.as_of} "
            "(or compensate) offers the new claims"
        )


def report_effect(
    campaign: CampaignOpt,
    as_of: AsOfOpt = None,
    allow_backdate: AllowBackdateOpt = False,
    allow_future: AllowFutureOpt = False,
) -> None:
    """Write the effect report (effect.html, effect.xlsx, CSVs) and the recall progress report
    (progress.csv, progress.html) of the campaign as of a day."""
    print_effect(run_flow("report", campaign, as_of, **allowances(allow_backdate, allow_future)))
