"""How a failure reaches the user: one error line on standard error and the README's exit
code (2 for a configuration to fix or a refusal, 1 for a failed run); a traceback only in the
log file the line names."""

from __future__ import annotations

import logging
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup
from typer.exceptions import TyperException

errors = Console(stderr=True)  # error lines on standard error, as a scheduler's log expects


EXPECTED_FAILURES = (
    "BudgetHalt",
    "TemplateNotApproved",
    "SmsTooLong",
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


def print_error(message: str) -> None:
    errors.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)


def fail(message: str, code: int) -> typer.Exit:
    print_error(message)
    return typer.Exit(code)


def failure(exc: BaseException) -> tuple[str, int]:
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


class OneLineErrors(TyperGroup):
    """Whatever a command raises ends in one error line and the README's exit code; a
    traceback only in the log file."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):  # exit codes, usage errors: as is
            raise
        except Exception as exc:
            message, code = failure(exc)
            raise fail(message, code) from None


class NoTracebackForExpectedFailures(logging.Filter):
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


def no_tracebacks_on_the_terminal() -> None:
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and not any(
            isinstance(f, _TracebackToLogFile) for f in handler.filters
        ):
            handler.addFilter(_TracebackToLogFile())
