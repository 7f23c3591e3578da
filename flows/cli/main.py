"""The `recall` command line. Flow modules (and so Prefect) are imported only when needed."""

from __future__ import annotations

import logging
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup
from typer.exceptions import TyperException

from flows.shared.settings import Paths, configure_environment, flow_run_settings


class _OneLineErrors(TyperGroup):
    """Whatever a command raises ends in one error line and the README's exit code; a
    traceback only in the log file."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):  # exit codes, usage errors: as is
            raise
        except Exception as exc:
            message, code = _failure(exc)
            raise _fail(message, code) from None


app = typer.Typer(
    cls=_OneLineErrors,
    no_args_is_help=True,
    add_completion=False,
    help="Recall compensation batch processor.",
)
run_app = typer.Typer(no_args_is_help=True, help="Run one flow for a campaign.")
export_app = typer.Typer(no_args_is_help=True, help="Machine-readable exports.")
app.add_typer(run_app, name="run")
app.add_typer(export_app, name="export")
reserve_app = typer.Typer(no_args_is_help=True, help="The campaign's budget reserve.")
app.add_typer(reserve_app, name="reserve")
templates_app = typer.Typer(no_args_is_help=True, help="Letter templates and their approval.")
app.add_typer(templates_app, name="templates")
server_app = typer.Typer(no_args_is_help=True, help="A local Prefect server, for schedules.")
app.add_typer(server_app, name="server")
LOCAL_SERVER = "http://127.0.0.1:{port}/api"
console = Console()
errors = Console(stderr=True)  # error lines on standard error, as a scheduler's log expects

CampaignOpt = Annotated[
    str, typer.Option("--campaign", "-c", help="Campaign id (config/campaigns/<id>.toml).")
]
AsOfOpt = Annotated[
    date | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Business date of the run (default today)."),
]

AllowBackdateOpt = Annotated[
    bool,
    typer.Option(
        "--allow-backdate",
        help="Run as of a day before the campaign's latest run or its announcement "
        "(refused otherwise; to read quarantined rows again use `recall requeue`).",
    ),
]
AllowFutureOpt = Annotated[
    bool,
    typer.Option(
        "--allow-future", help="Run as of a day more than one day after today (refused otherwise)."
    ),
]


def _allowances(allow_backdate: bool, allow_future: bool) -> dict[str, bool]:
    return {"allow_backdate": allow_backdate, "allow_future": allow_future}


class Runner(StrEnum):
    process = "process"
    dask = "dask"


RunnerOpt = Annotated[
    Runner,
    typer.Option(
        "--runner",
        help="Where letters are rendered: this machine's cores (process) or a Dask cluster (dask).",
    ),
]
DaskAddressOpt = Annotated[
    str | None,
    typer.Option(
        "--dask-address",
        help="Dask scheduler for --runner dask, e.g. tcp://10.0.0.5:8786 "
        "(default: a local Dask cluster for this run).",
    ),
]
BatchSizeOpt = Annotated[
    int | None,
    typer.Option(
        "--batch-size",
        min=1,
        help="Letters per rendering batch "
        "(default: [letters] batch_size; pdf_batch_pages for post).",
    ),
]


class PartitionBy(StrEnum):
    hash = "hash"
    region = "region"


PartitionsOpt = Annotated[
    int | None,
    typer.Option(
        "--partitions", min=1, help="Split the run into N partitions by hash of the claim id."
    ),
]
PartitionByOpt = Annotated[
    PartitionBy,
    typer.Option("--partition-by", help="hash (with --partitions N), or one partition per region."),
]
WorkPoolOpt = Annotated[
    str | None,
    typer.Option(
        "--work-pool",
        help="Prefect work pool whose workers run the partitions (default: run them here).",
    ),
]


def _rendering_options(
    runner: Runner,
    dask_address: str | None,
    batch_size: int | None,
    partitions: int | None,
    by: PartitionBy,
    work_pool: str | None,
) -> dict[str, Any]:
    """The run options of the letters and nightly flows, checked before Prefect starts."""
    from pydantic import ValidationError

    from flows.scale.options import RunOptions, refusal

    try:
        options = RunOptions(
            runner=runner.value,
            dask_address=dask_address,
            batch_size=batch_size,
            partitions=partitions,
            partition_by=by.value,
            work_pool=work_pool,
        )
    except ValidationError as exc:
        raise _fail(refusal(exc), 2) from None
    return {"options": options}


def _partition_options(
    partitions: int | None, by: PartitionBy, work_pool: str | None
) -> dict[str, Any]:
    """The run options of the compensate flow: how it is split."""
    return _rendering_options(Runner.process, None, None, partitions, by, work_pool)


@app.callback()
def main(
    home: Annotated[
        Path | None,
        typer.Option("--home", envvar="RECALL_HOME", help="Data folder (default ./var)."),
    ] = None,
    config_dir: Annotated[
        Path | None,
        typer.Option(
            "--config-dir",
            envvar="RECALL_CONFIG_DIR",
            help="Configuration folder (default ./config).",
        ),
    ] = None,
) -> None:
    """Recall compensation batch processor: intake, compensation, letters, reconciliation."""
    configure_environment(home, config_dir)


def _error(message: str) -> None:
    errors.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)


def _fail(message: str, code: int) -> typer.Exit:
    _error(message)
    return typer.Exit(code)


def _check_config(campaign: str) -> None:
    """The campaign's config is valid, before any data is touched (else ConfigError: exit 2)."""
    from flows.shared.runs import load_config

    load_config(Paths.from_env(), campaign)


def _print_intake(summary: Any) -> None:
    files = Table(title=f"Intake run {summary.run_id}: files", title_justify="left")
    for column in ("file", "status", "rows", "quarantined", "message"):
        files.add_column(column)
    for f in summary.files:
        files.add_row(f.file_name, f.status, str(f.rows), str(f.quarantined), f.message)
    console.print(files)
    states = Table(title="Rows per state and reason (campaign total)", title_justify="left")
    for column in ("state", "reason", "rows"):
        states.add_column(column)
    for status, reason, rows in summary.reason_counts:
        states.add_row(status, reason or "-", f"{rows:,}")
    for status, rows in summary.status_counts.items():
        states.add_row(f"[bold]{status}[/bold]", "[bold]all[/bold]", f"[bold]{rows:,}[/bold]")
    console.print(states)


EXPECTED_FAILURES = (
    "BudgetHalt",
    "TemplateNotApproved",
    "FontMissing",
    "RunInProgress",
    "DatabaseBusy",
    "ReconciliationAlert",
    "PartitionFailed",
    "InstructedUnknown",
    "LettersUnknown",
    "NightFailed",
)


# Refusals of what was asked, before anything changed: exit 2 (with their subclasses).
REFUSALS = ("ConfigError", "RunRefused", "BackupError", "ReserveRefused")


def _failure(exc: BaseException) -> tuple[str, int]:
    """An exception as the one line a user reads, and the exit code: 2 for a configuration
    to fix or a refusal, 1 for a run that failed. Any traceback goes to the log file, which
    the line names."""
    from flows.shared.errors import first_line, log_traceback

    if any(c.__name__ in REFUSALS for c in type(exc).__mro__):
        return str(exc), 2
    if type(exc).__name__ in EXPECTED_FAILURES:
        return str(exc), 1
    log = log_traceback(exc)
    if type(exc).__name__ == "DatabaseUnreadable":
        return f"{exc} (details in {log})", 1
    return (
        f"{first_line(exc)} — an unexpected error; its traceback is in {log}. Running again "
        "is safe; if it fails the same way, report it with that file",
        1,
    )


class _NoTracebackForExpectedFailures(logging.Filter):
    """A budget halt or an unapproved template is an outcome, not a crash: log it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and type(record.exc_info[1]).__name__ in EXPECTED_FAILURES:
            record.exc_info, record.exc_text = None, None
            record.recall_expected = True  # the command's own error line says it
        return True


class _TracebackToLogFile(logging.Filter):
    """On the terminal, a failure Prefect logs is one line naming the log file that holds its
    traceback (the Prefect API's handler, which runs first, keeps the traceback for the UI);
    an expected failure is left to the command's own error line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "recall_expected", False):
            return False  # an expected failure: the command prints its one line
        if record.exc_info and record.exc_info[1] is not None:
            from flows.shared.errors import log_traceback

            log = log_traceback(record.exc_info[1])
            record.msg, record.args = f"{record.getMessage()} (traceback in {log})", None
            record.exc_info, record.exc_text = None, None
        return True


def _no_tracebacks_on_the_terminal() -> None:
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and not any(
            isinstance(f, _TracebackToLogFile) for f in handler.filters
        ):
            handler.addFilter(_TracebackToLogFile())


def _check_as_of(campaign: str, as_of: date | None, parameters: dict[str, Any]) -> None:
    """The as-of guards before Prefect starts a run (the flow checks them again)."""
    from flows.shared.runs import database, load_config, refuse_wrong_as_of

    paths = Paths.from_env()
    allowed = {
        "backdate": parameters.get("allow_backdate", False),
        "future": parameters.get("allow_future", False),
    }
    with database(paths, "as-of check", campaign) as con:
        refuse_wrong_as_of(con, load_config(paths, campaign), as_of or date.today(), **allowed)


FLOW_MODULES = {"nightly": "flows.nightly", "requeue": "flows.intake.requeue"}


def _run_flow(name: str, campaign: str, as_of: date | None, **parameters: Any) -> Any:
    """Validate the config and the as-of date, then run one flow; a failed run exits 1 with
    its message."""
    from flows.cli import embedded

    _check_config(campaign)
    from flows.shared.inbox import settle_seconds

    settle_seconds()  # RECALL_INBOX_SETTLE_SECONDS checked before any run starts
    _check_as_of(campaign, as_of, parameters)  # a refused run starts no Prefect server
    embedded.start()  # the Prefect API starts while this process imports the flow's modules
    import importlib

    for logger in ("prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(logger).addFilter(_NoTracebackForExpectedFailures())
    _no_tracebacks_on_the_terminal()
    from flows.shared.progress import listen

    with console.status(f"running {name} (Prefect start-up takes a few seconds)…") as status:
        flow = getattr(importlib.import_module(FLOW_MODULES.get(name, f"flows.{name}.flow")), name)
        embedded.wait_ready()
        stop = listen(lambda message: status.update(f"{name} {campaign}: {message}…"))
        try:  # what it raises becomes one line in _OneLineErrors
            with flow_run_settings():
                return flow(campaign=campaign, as_of=as_of, **parameters)
        finally:
            stop()


def _print_money(title: str, position: Any, pending_reviews: int, *first: tuple[str, Any]) -> None:
    """The reserve position as a table, after any rows given first."""
    money = Table(title=title, title_justify="left")
    money.add_column("")
    money.add_column("amount", justify="right")
    for label, value in [
        *first,
        ("offered, all runs", position.offered),
        (f"held back ({pending_reviews:,} pending reviews)", position.held_back),
        ("available (reserve + top-ups)", position.available),
        ("headroom", position.headroom),
    ]:
        money.add_row(label, f"{value:,.2f}")
    console.print(money)


def _print_compensation(summary: Any, currency: str) -> None:
    factor = summary.prorate_factor
    _print_money(
        f"Compensate run {summary.run_id}: money ({currency})",
        summary.position,
        summary.pending_reviews,
        (f"offered in this run ({summary.offers_made:,} offers)", summary.offered_in_run),
    )
    if factor is not None:
        console.print(f"new offers prorated: goodwill and bonus scaled by {factor}")
    if summary.decisions:
        decided = ", ".join(f"{k} {v}" for k, v in sorted(summary.decisions.items()))
        console.print(f"review decisions read: {decided}")
    for problem in summary.decision_problems:
        console.print(f"  not taken: {problem}", highlight=False, soft_wrap=True)


@run_app.command("intake")
def run_intake(
    campaign: CampaignOpt,
    as_of: AsOfOpt = None,
    allow_backdate: AllowBackdateOpt = False,
    allow_future: AllowFutureOpt = False,
) -> None:
    """Load every new customer list in inbox/<campaign>/lists/ as claims."""
    allow = _allowances(allow_backdate, allow_future)
    _print_intake(_run_flow("intake", campaign, as_of, **allow))


@run_app.command("compensate")
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

    split = _partition_options(partitions, partition_by, work_pool)
    split |= _allowances(allow_backdate, allow_future)
    currency = load_config(Paths.from_env(), campaign).campaign.currency
    _print_compensation(_run_flow("compensate", campaign, as_of, **split), currency)


def _print_letters(summary: Any) -> None:
    if not summary.counts:
        console.print(f"letters run {summary.run_id}: no new letters to write")
        return
    table = Table(title=f"Letters run {summary.run_id}", title_justify="left")
    for column in ("kind", "channel", "language", "letters"):
        table.add_column(column, justify="right" if column == "letters" else "left")
    for (kind, channel, language), count in sorted(summary.counts.items()):
        table.add_row(kind, channel, language, f"{count:,}")
    console.print(table)
    console.print(f"letters and manifest: {summary.folder}")


@run_app.command("letters")
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
    options = _rendering_options(
        runner, dask_address, batch_size, partitions, partition_by, work_pool
    )
    options |= _allowances(allow_backdate, allow_future)
    _print_letters(_run_flow("letters", campaign, as_of, **options))


def _print_reconciliation(summary: Any, currency: str, failed: bool = False) -> None:
    """What a reconcile run found; when it `failed`, its errors are left to the error line."""
    new = [f"{f.file_name} {f.status}" for f in summary.files if f.status != "skipped"]
    skipped = sum(1 for f in summary.files if f.status == "skipped")
    seen = f" ({skipped} files in the inbox loaded before)" if skipped else ""
    console.print(
        f"reconcile run {summary.run_id}: {escape(', '.join(new)) or 'no new payout files'}{seen}"
    )
    statements = [r for r in summary.payout_files if r.get("statement_id")]
    if statements:  # a line each: it wraps at 80 columns where a table would cut
        console.print("Bank statements:")
    for r in statements:
        balance = {True: "balances add up", False: "BALANCES DO NOT ADD UP", None: "no balances"}
        counts = f"{r['payouts_loaded']:,} ours loaded, {r['quarantined']:,} quarantined"
        console.print(
            f"  {escape(r['file'])} · {escape(r['statement_id'])} · {r['entries']:,} entries: "
            f"{counts}, {r['not_ours']:,} not ours · {balance[r['balance_ok']]} · {r['status']}",
            highlight=False,
        )
    classes = Table(title="Instructions and payouts per class", title_justify="left")
    for column in ("item", "class", "count", "instructed", "paid"):
        classes.add_column(column, justify="left" if column in ("item", "class") else "right")
    for item, cls, count, instructed, paid in summary.classes:
        classes.add_row(item, cls, f"{count:,}", f"{instructed:,.2f}", f"{paid:,.2f}")
    console.print(classes)
    from flows.reconcile.reports import UNMATCHED, summary_rows

    money = Table(title=f"Reserve position ({currency})", title_justify="left")
    money.add_column("")
    money.add_column("amount", justify="right")
    for row in summary_rows(summary):
        if row["amount"] is not None:
            money.add_row(row["metric"], f"{row['amount']:,.2f}")
        elif row["metric"].startswith(tuple(UNMATCHED.values())):  # in another currency
            money.add_row(row["metric"], row["note"])
    money.add_row("utilisation", f"{summary.position.utilisation:.1%}")
    console.print(money)
    if summary.reissued:
        console.print(f"failed payments reissued: {summary.reissued:,}")
    for alert in summary.alerts:
        if not (failed and alert.severity == "error"):
            console.print(f"[bold]{alert.severity}[/bold]: {escape(alert.message)}")
    console.print(f"finance reports: {summary.reports}")


@run_app.command("reconcile")
def run_reconcile(
    campaign: CampaignOpt,
    as_of: AsOfOpt = None,
    allow_backdate: AllowBackdateOpt = False,
    allow_future: AllowFutureOpt = False,
) -> None:
    """Load new payout files, match them to instructions, reissue failures, write the reports."""
    from flows.shared.runs import load_config

    currency = load_config(Paths.from_env(), campaign).campaign.currency
    allow = _allowances(allow_backdate, allow_future)
    try:
        summary = _run_flow("reconcile", campaign, as_of, **allow)
    except Exception as exc:  # an error alert: what the run found, then its one error line
        if getattr(exc, "summary", None) is not None:
            _print_reconciliation(exc.summary, currency, failed=True)  # type: ignore[attr-defined]
        raise
    _print_reconciliation(summary, currency)


def _print_night(summary: Any, currency: str, details: bool = True) -> None:
    printers = {
        "intake": _print_intake,
        "compensate": lambda s: _print_compensation(s, currency),
        "letters": _print_letters,
        "reconcile": lambda s: _print_reconciliation(s, currency),
    }
    if details:
        for step, result in summary.results.items():
            printers[step](result)
    table = Table(title=f"Nightly {summary.campaign} {summary.as_of}", title_justify="left")
    for column in ("step", "run", "outcome"):
        table.add_column(column, overflow="fold")
    for step in summary.steps:
        table.add_row(step["step"], step["run_id"], step["outcome"])
    console.print(table)


def _night(campaign: str, as_of: date | None, details: bool = True, **letters_options: Any) -> Any:
    """Run the nightly flow for one campaign and print it; None when a step failed."""
    from flows.nightly import NightFailed
    from flows.shared.runs import load_config

    currency = load_config(Paths.from_env(), campaign).campaign.currency
    try:
        summary = _run_flow("nightly", campaign, as_of, **letters_options)
    except NightFailed as exc:
        _print_night(exc.summary, currency, details)
        for step, error in exc.summary.errors.items():
            _error(f"{campaign}: {step}: {_failure(error)[0]}")
        return None
    _print_night(summary, currency, details)
    return summary


@run_app.command("nightly")
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
    options = _rendering_options(
        runner, dask_address, batch_size, partitions, partition_by, work_pool
    )
    from flows.shared.backup import backups_keep

    backups_keep()  # a bad RECALL_BACKUPS_KEEP is refused before any campaign runs
    options |= _allowances(allow_backdate, allow_future)
    campaigns = [campaign]
    if campaign == "all":
        folder = Paths.from_env().config_dir / "campaigns"
        campaigns = sorted(p.stem for p in folder.glob("*.toml"))
        if not campaigns:
            raise _fail(f"no campaigns configured in {folder}", 2)
    failed = [c for c in campaigns if _night(c, as_of, **options) is None]
    if failed and len(campaigns) == 1:
        raise typer.Exit(1)  # its error lines are printed
    if failed:
        raise _fail(f"the nightly run failed for {', '.join(failed)}", 1)


@app.command()
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
    options = {"file": file, "reason": reason} | _allowances(allow_backdate, allow_future)
    summary = _run_flow("requeue", campaign, as_of, **options)
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


@server_app.command("start")
def server_start(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 4200,
) -> None:
    """Run a Prefect server on 127.0.0.1 (UI and API), its database under RECALL_HOME."""
    import os
    import subprocess
    import sys

    home = Path(os.environ["PREFECT_HOME"])
    console.print(
        f"Prefect server on http://127.0.0.1:{port} (database in {home}); "
        f"in another terminal: export PREFECT_API_URL={LOCAL_SERVER.format(port=port)}"
    )
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    # Prefect's UI would otherwise ask the API of PREFECT_API_URL, else of port 4200
    env = {"PREFECT_UI_API_URL": LOCAL_SERVER.format(port=port)} | dict(os.environ)
    raise typer.Exit(subprocess.call([*command, "--port", str(port)], env=env))


@app.command()
def serve(
    port: Annotated[
        int, typer.Option("--port", help="Port of the local server when PREFECT_API_URL is unset.")
    ] = 4200,
) -> None:
    """Register every flow with the Prefect server and run them: each campaign's nightly on its
    cron schedule, every flow on demand. Needs a server (`recall server start`)."""
    import os

    from flows.cli.embedded import answers

    url = os.environ.get("PREFECT_API_URL") or LOCAL_SERVER.format(port=port)
    if not answers(url.rstrip("/"), timeout=3):
        raise _fail(
            f"no Prefect server answers at {url}: start one with `recall server start` "
            "(schedules need a server; the temporary one of other commands cannot keep them)",
            2,
        )
    os.environ["PREFECT_API_URL"] = url
    from flows.cli.serve import deployments

    found = deployments(Paths.from_env())
    for deployment in found:
        console.print(f"deployment {deployment.flow_name}/{deployment.name}")
    from prefect import serve as prefect_serve

    prefect_serve(*found)


@templates_app.command("approve")
def templates_approve(
    by: Annotated[str, typer.Option("--by", help="Who approved the templates (legal review).")],
    on: Annotated[
        date | None,
        typer.Option("--on", formats=["%Y-%m-%d"], help="Date of approval (default today)."),
    ] = None,
) -> None:
    """Record every new or edited letter template as approved in config/approvals.toml."""
    from flows.letters.approvals import approve
    from flows.shared.settings import templates_dir

    approvals = Paths.from_env().config_dir / "approvals.toml"
    changed = approve(templates_dir(), approvals, by, on or date.today())
    for name in changed:
        console.print(f"approved {name}")
    console.print(f"{len(changed)} template(s) approved by {by} in {approvals}")


def _existing_database() -> None:
    """Commands that only read refuse a data home where nothing has run (a mistyped --home
    would otherwise show a new, empty database as the campaign's state)."""
    database = Paths.from_env().database
    if not database.exists():
        raise _fail(
            f"{database}: no recall database here: nothing has run in this data home yet "
            "(check --home or RECALL_HOME)",
            2,
        )


@app.command()
def status(
    campaign: CampaignOpt,
    last: Annotated[int, typer.Option("--last", help="How many runs to list.")] = 10,
) -> None:
    """Print the campaign's last runs, rows per state and money position."""
    from flows.cli.status import campaign_status

    _check_config(campaign)
    _existing_database()
    found = campaign_status(Paths.from_env(), campaign, last)
    runs = Table(title=f"{campaign}: last runs", title_justify="left")
    for column in ("run", "flow", "as of", "status", "started", "message"):
        runs.add_column(column, overflow="fold")
    for run_id, flow, as_of, state, started, message in found.runs:
        runs.add_row(run_id, flow, str(as_of), state, started, message[:120])
    console.print(runs)
    states = Table(title="Rows per state", title_justify="left")
    states.add_column("state")
    states.add_column("rows", justify="right")
    for state, rows in sorted(found.states.items()):
        states.add_row(state, f"{rows:,}")
    console.print(states)
    _print_money("Money", found.position, found.states.get("review", 0))
    console.print(f"letters written: {found.letters:,}")


@reserve_app.command("add")
def reserve_add(
    campaign: CampaignOpt,
    amount: Annotated[
        str,
        typer.Option(
            "--amount",
            help="Top-up, a decimal such as 50000.00; negative to correct an earlier entry "
            "(at most 1,000,000,000,000.00 either way).",
        ),
    ],
    note: Annotated[
        str, typer.Option("--note", help="Why the reserve changes (kept in the ledger).")
    ],
    as_of: AsOfOpt = None,
) -> None:
    """Record a top-up of the campaign's budget reserve in the ledger (negative: a correction)."""
    from flows.shared.budget import add_top_up
    from flows.shared.money import parse_money

    _check_config(campaign)
    try:
        value = parse_money(amount)
    except ValueError as exc:
        raise _fail(f"--amount: {exc}", 2) from None
    entry = add_top_up(Paths.from_env(), campaign, value, note, as_of or date.today())
    console.print(f"reserve ledger entry {entry}: {value:+,.2f} for {campaign}")


@app.command()
def backup() -> None:
    """Make a backup of the database now in RECALL_HOME/backups/ (keeps the last
    RECALL_BACKUPS_KEEP, default 7) and print its folder."""
    from flows.shared.backup import make_backup

    made = make_backup(Paths.from_env())
    console.print(f"latest runs: {made.describe()}", highlight=False, soft_wrap=True)
    console.print(f"backup: {made.path}", highlight=False, soft_wrap=True)


@app.command()
def restore(
    source: Annotated[
        Path,
        typer.Option("--from", help="A backup folder, e.g. RECALL_HOME/backups/000007-…"),
    ],
) -> None:
    """Put a backup in place of the database; the database it replaces is kept in
    RECALL_HOME/replaced/. Refused while a run holds the data home."""
    from flows.shared.backup import entries_not_restored
    from flows.shared.backup import restore as restore_backup

    done = restore_backup(Paths.from_env(), source)
    console.print(f"restored {done.backup.path}", highlight=False, soft_wrap=True)
    console.print(f"latest runs: {done.backup.describe()}", highlight=False, soft_wrap=True)
    if done.replaced:
        console.print(f"the database it replaced: {done.replaced}", highlight=False)
    for campaign, entry_no, amount, note, recorded_on in entries_not_restored(
        Paths.from_env(), done.replaced
    ):
        console.print(
            f"warning: {campaign} reserve entry {entry_no} of {recorded_on} ({amount:,.2f}, "
            f"{note!r}) was made after this backup and is not in it: record it again with "
            "`recall reserve add`",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        "next: run the night again; what was instructed or written before is not made again",
        highlight=False,
    )


@export_app.command("claims")
def export_claims(
    campaign: CampaignOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")],
) -> None:
    """One CSV row per input row: status, reasons, duplicate_of and amounts."""
    from flows.cli.export import export_claims as export

    _check_config(campaign)
    _existing_database()
    rows = export(Paths.from_env(), campaign, out)
    console.print(f"wrote {rows:,} rows to {out}")


@app.command()
def demo(
    no_run: Annotated[
        bool, typer.Option("--no-run", help="Only write config and inbox files.")
    ] = False,
) -> None:
    """Write the demo campaign (about 10,000 claims, messy on purpose) and run it."""
    from flows.cli.demo import DEMO_AS_OF, DEMO_CAMPAIGN, write_demo

    paths = Paths.from_env()
    with console.status("writing the demo campaign…"):
        files = write_demo(paths)
    console.print(
        f"demo campaign {DEMO_CAMPAIGN}: {len(files)} files in "
        f"{paths.inbox(DEMO_CAMPAIGN, 'lists')}"
    )
    if no_run:
        console.print(
            f"next: recall run nightly --campaign {DEMO_CAMPAIGN} --as-of {DEMO_AS_OF}\n"
            f"  (or step by step: recall run intake|compensate|letters|reconcile "
            f"--campaign {DEMO_CAMPAIGN} --as-of {DEMO_AS_OF})"
        )
        return
    # the demo's days are fixed, whatever the machine's date
    if _night(DEMO_CAMPAIGN, DEMO_AS_OF, allow_future=True) is None:
        raise _fail("the demo's nightly run failed", 1)
    from flows.cli.demo_payouts import DEMO_ROUNDS, write_demo_payouts

    last = len(DEMO_ROUNDS)
    for round_no, day in enumerate(DEMO_ROUNDS, 1):
        written = write_demo_payouts(paths, round_no)
        console.print(f"payout files of {day}: {', '.join(p.name for p in written)}")
        night = _night(DEMO_CAMPAIGN, day, details=round_no == last, allow_future=True)
        if night is None:
            raise _fail(f"the demo's nightly run of {day} failed", 1)
    reconciliation = night.results["reconcile"]
    console.print(f"database:          {paths.database}")
    console.print(f"archived inputs:   {paths.archive}")
    console.print(f"rejected files:    {paths.inbox(DEMO_CAMPAIGN, 'lists') / 'rejected'}")
    console.print(f"review queue:      {paths.out(DEMO_CAMPAIGN, 'review') / 'queue.xlsx'}")
    console.print(f"payment instr.:    {paths.out(DEMO_CAMPAIGN, 'instructions')}")
    console.print(f"letters:           {paths.out(DEMO_CAMPAIGN, 'letters')}")
    console.print(f"finance report:    {reconciliation.reports / 'reconciliation.html'}")
    console.print(
        f"export the claims: recall export claims --campaign {DEMO_CAMPAIGN} --out claims.csv"
    )


if __name__ == "__main__":
    app()
