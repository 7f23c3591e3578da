"""The `recall` command line. Flow modules (and so Prefect) are imported only when needed."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from flows.config import ConfigError
from flows.settings import Paths, configure_environment

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Recall compensation batch processor."
)
run_app = typer.Typer(no_args_is_help=True, help="Run one flow for a campaign.")
export_app = typer.Typer(no_args_is_help=True, help="Machine-readable exports.")
app.add_typer(run_app, name="run")
app.add_typer(export_app, name="export")
console = Console()

CampaignOpt = Annotated[
    str, typer.Option("--campaign", "-c", help="Campaign id (config/campaigns/<id>.toml).")
]
AsOfOpt = Annotated[
    date | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Business date of the run (default today)."),
]


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


def _fail(message: str, code: int) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _check_config(campaign: str) -> None:
    from flows.runs import load_config

    try:
        load_config(Paths.from_env(), campaign)
    except ConfigError as exc:
        raise _fail(str(exc), 2) from None


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


def _run_intake(campaign: str, as_of: date | None) -> Any:
    _check_config(campaign)
    from flows.runs import DatabaseBusy

    with console.status("running intake (Prefect start-up takes a few seconds)…"):
        from flows.intake import intake

        try:
            return intake(campaign=campaign, as_of=as_of)
        except DatabaseBusy as exc:
            raise _fail(str(exc), 1) from None


@run_app.command("intake")
def run_intake(campaign: CampaignOpt, as_of: AsOfOpt = None) -> None:
    """Load every new customer list in inbox/<campaign>/lists/ as claims."""
    _print_intake(_run_intake(campaign, as_of))


@export_app.command("claims")
def export_claims(
    campaign: CampaignOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")],
) -> None:
    """One CSV row per input row: status, reasons, duplicate_of and amounts."""
    from flows.export import export_claims as export

    rows = export(Paths.from_env(), campaign, out)
    console.print(f"wrote {rows:,} rows to {out}")


@app.command()
def demo(
    no_run: Annotated[
        bool, typer.Option("--no-run", help="Only write config and inbox files.")
    ] = False,
) -> None:
    """Write the demo campaign (about 10,000 claims, messy on purpose) and run it."""
    from flows.demo import DEMO_AS_OF, DEMO_CAMPAIGN, write_demo

    paths = Paths.from_env()
    with console.status("writing the demo campaign…"):
        files = write_demo(paths)
    console.print(
        f"demo campaign {DEMO_CAMPAIGN}: {len(files)} files in "
        f"{paths.inbox(DEMO_CAMPAIGN, 'lists')}"
    )
    if no_run:
        console.print(f"next: recall run intake --campaign {DEMO_CAMPAIGN} --as-of {DEMO_AS_OF}")
        return
    _print_intake(_run_intake(DEMO_CAMPAIGN, DEMO_AS_OF))
    console.print(f"database:          {paths.database}")
    console.print(f"archived inputs:   {paths.archive}")
    console.print(f"rejected files:    {paths.inbox(DEMO_CAMPAIGN, 'lists') / 'rejected'}")
    console.print(
        f"export the claims: recall export claims --campaign {DEMO_CAMPAIGN} --out claims.csv"
    )


if __name__ == "__main__":
    app()
