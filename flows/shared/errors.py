"""Where an error's traceback goes: never the terminal, but an owner-only log file in
$RECALL_HOME/logs/ (one per command), whose path the command's one error line names.

Imports only the standard library and flows.shared.settings: commands that run no flow use it too.
"""

from __future__ import annotations

import os
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

from flows.shared.settings import Paths

# This process's log file per data home, and the exceptions already written: Prefect logs a
# failure at each level (task, flow, nightly), and the command line meets it once more.
_logs: dict[Path, Path] = {}
_written: list[BaseException] = []


def _open_log() -> Path:
    folder = Paths.from_env().home / "logs"
    if folder not in _logs:
        name = f"recall-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.chmod(0o700)
            path = folder / name
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        except OSError:  # a data home we cannot write: the user's temporary folder
            handle, where = tempfile.mkstemp(prefix="recall-", suffix=".log")
            os.close(handle)
            path = Path(where)
        _logs[folder] = path
    return _logs[folder]


def log_traceback(exc: BaseException) -> Path:
    """Write the exception's traceback (with its causes) to this process's log file, once;
    the file's path, for the error line to name."""
    path = _open_log()
    if not any(seen is exc for seen in _written):
        _written.append(exc)
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"--- {datetime.now():%Y-%m-%d %H:%M:%S} pid {os.getpid()}\n")
            out.write("".join(traceback.format_exception(exc)))
    return path


def first_line(exc: BaseException) -> str:
    """The exception as one line: its type and the first line of its message."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__
