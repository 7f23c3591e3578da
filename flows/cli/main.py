"""The `recall` command line: the Typer app, its sub-commands and the options every command
takes. The commands live in run.py (those that run a flow) and admin.py (those that run none,
the server and the demo); flow modules (and so Prefect) are imported only when needed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli import admin, run
from flows.cli.failures import OneLineErrors
from flows.shared.settings import configure_environment

app = typer.Typer(
    cls=OneLineErrors,
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
report_app = typer.Typer(no_args_is_help=True, help="Reports for management and regulators.")
app.add_typer(report_app, name="report")


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


# in the order `recall --help` lists them
run_app.command("intake")(run.run_intake)
run_app.command("compensate")(run.run_compensate)
run_app.command("letters")(run.run_letters)
run_app.command("reconcile")(run.run_reconcile)
run_app.command("nightly")(run.run_nightly)
app.command("requeue")(run.requeue)
report_app.command("effect")(run.report_effect)
server_app.command("start")(admin.server_start)
app.command("serve")(admin.serve)
templates_app.command("approve")(admin.templates_approve)
app.command("status")(admin.status)
app.command("claim")(admin.claim)
reserve_app.command("add")(admin.reserve_add)
app.command("backup")(admin.backup)
app.command("restore")(admin.restore)
export_app.command("claims")(admin.export_claims)
app.command("demo")(admin.demo)


if __name__ == "__main__":
    app()
