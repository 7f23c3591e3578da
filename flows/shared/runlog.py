"""Run logs (SPEC §8): each flow run's steps, counts and money at INFO, which reach the Prefect
API and so its UI. Never a customer: no names, contacts, addresses, serials or file names."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from flows.shared.progress import listen

if TYPE_CHECKING:
    from flows.shared.runs import Run

# what run.counts holds that is no count or money: the input files by name
NOT_LOGGED = ("inputs",)


def run_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """The current flow run's logger (its lines are stored with the run), else a plain one."""
    from prefect import get_run_logger
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("recall")


def _value(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_value(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value) or "none"
    return str(value)


def counts_text(counts: dict[str, Any]) -> str:
    """A run's counts and money in one line: `files: loaded=1; offers_made: 3; …`."""
    return "; ".join(f"{k}: {_value(v)}" for k, v in counts.items() if k not in NOT_LOGGED)


@contextmanager
def logged(run: Run) -> Iterator[None]:
    """Log the run's start, its progress messages (steps and counts) and, when it completes,
    its counts and money."""
    logger = run_logger()
    logger.info("%s %s as of %s: run %s", run.flow, run.campaign, run.as_of, run.run_id)
    stop = listen(logger.info)
    try:
        yield
    finally:
        stop()
    logger.info("%s run %s done: %s", run.flow, run.run_id, counts_text(run.counts))
