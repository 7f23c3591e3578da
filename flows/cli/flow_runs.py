"""How a command runs one flow: the config and the as-of date checked before Prefect starts,
the embedded Prefect API, progress on the terminal, failures as one line."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flows.cli.failures import (
    NoTracebackForExpectedFailures,
    failure,
    no_tracebacks_on_the_terminal,
    print_error,
)
from flows.cli.options import check_config
from flows.cli.printing import console, print_night
from flows.shared.settings import Paths, flow_run_settings


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


def run_flow(name: str, campaign: str, as_of: date | None, **parameters: Any) -> Any:
    """Validate the config and the as-of date, then run one flow; a failed run exits 1 with
    its message."""
    from flows.cli import embedded

    check_config(campaign)
    from flows.shared.inbox import settle_seconds

    settle_seconds()  # RECALL_INBOX_SETTLE_SECONDS checked before any run starts
    _check_as_of(campaign, as_of, parameters)  # a refused run starts no Prefect server
    embedded.start()  # the Prefect API starts while this process imports the flow's modules
    import importlib

    for logger in ("prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(logger).addFilter(NoTracebackForExpectedFailures())
    no_tracebacks_on_the_terminal()
    from flows.shared.progress import listen

    with console.status(f"running {name} (Prefect start-up takes a few seconds)…") as status:
        flow = getattr(importlib.import_module(FLOW_MODULES.get(name, f"flows.{name}.flow")), name)
        embedded.wait_ready()
        stop = listen(lambda message: status.update(f"{name} {campaign}: {message}…"))
        try:  # what it raises becomes one line in OneLineErrors
            with flow_run_settings():
                return flow(campaign=campaign, as_of=as_of, **parameters)
        finally:
            stop()


def run_night(
    campaign: str, as_of: date | None, details: bool = True, **letters_options: Any
) -> Any:
    """Run the nightly flow for one campaign and print it; None when a step failed."""
    from flows.nightly import NightFailed
    from flows.shared.runs import load_config

    currency = load_config(Paths.from_env(), campaign).campaign.currency
    try:
        summary = run_flow("nightly", campaign, as_of, **letters_options)
    except NightFailed as exc:
        print_night(exc.summary, currency, details)
        for step, error in exc.summary.errors.items():
            print_error(f"{campaign}: {step}: {failure(error)[0]}")
        return None
    print_night(summary, currency, details)
    return summary
