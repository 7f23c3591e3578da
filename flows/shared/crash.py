"""Crash points: named places where a test may kill this process (SIGKILL) to prove re-runs safe.

`RECALL_CRASH_AT=name` kills the process the first time it reaches `name`; `name#n` the n-th
time. Unset (always, outside the crash tests), a crash point does nothing.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

CRASH_ENV = "RECALL_CRASH_AT"
_reached: Counter[str] = Counter()


def crash_point(name: str) -> None:
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    _reached[name] += 1
    if wanted in (name, f"{name}#{_reached[name]}"):
        os.kill(os.getpid(), signal.SIGKILL)
