"""Progress of long steps, for whoever shows it (the CLI's status line); silent by default.

Messages name steps and counts only — never a customer.
"""

from __future__ import annotations

from collections.abc import Callable

_listeners: list[Callable[[str], None]] = []


def listen(listener: Callable[[str], None]) -> Callable[[], None]:
    """Send progress messages to listener; returns the function that stops it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def report(message: str) -> None:
    for listener in list(_listeners):
        listener(message)
