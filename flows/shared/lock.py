"""One run at a time per data home: the second waits, then stops naming the run in progress.

DuckDB lets one process write a database file; the lock makes a second process wait for its
turn (or give up with a clear message) instead of failing on DuckDB's own file lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.shared.settings import owner_only_home

WAIT_ENV = "RECALL_LOCK_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 600.0


_HELD: dict[Path, Callable[[str], None]] = {}  # lock files this process holds → describe


class RunInProgress(Exception):
    """Another run held the data home for longer than this one would wait."""


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        info = {}
    if not info:
        return "another recall process"
    return (
        f"{info.get('flow', '?')} run {info.get('run_id', '?')} of campaign "
        f"{info.get('campaign', '?')} (pid {info.get('pid', '?')})"
    )


@contextmanager
def exclusive(
    home: Path, flow: str, campaign: str, wait_seconds: float | None = None
) -> Iterator[Callable[[str], None]]:
    """Hold RECALL_HOME/recall.lock for the block, waiting up to wait_seconds for it.

    Yields a function that records the run id in the lock, for whoever waits next. Re-entrant
    within a process: the nightly flow holds the lock while its steps (flows too) run inside.
    """
    if wait_seconds is None:
        wait_seconds = float(os.environ.get(WAIT_ENV, DEFAULT_WAIT_SECONDS))
    owner_only_home(home)
    path = (home / "recall.lock").resolve()
    if path in _HELD:
        outer = _HELD[path]

        def nested(run_id: str) -> None:
            outer(f"{flow} {run_id}")

        yield nested
        return
    handle = path.open("a+", encoding="utf-8")
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RunInProgress(
                        f"{_holder(path)} is still running after waiting {wait_seconds:g} s; "
                        f"nothing was changed — try again when it has finished"
                    ) from None
                time.sleep(0.2)

        def describe(run_id: str) -> None:
            handle.seek(0)
            handle.truncate()
            handle.write(
                json.dumps(
                    {"flow": flow, "campaign": campaign, "run_id": run_id, "pid": os.getpid()}
                )
            )
            handle.flush()

        describe("(starting)")
        _HELD[path] = describe
        yield describe
    finally:
        _HELD.pop(path, None)
        handle.close()  # closing releases the lock
