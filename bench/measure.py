"""A command's wall time and its own peak RSS, whatever the benchmark process holds.

Linux hands a child the peak RSS of the process that started it: exec records the old memory's
high-water mark as the child's. A command started straight from the benchmark process, which
by then holds letters, DuckDB tables and frames of earlier sections, reported at least that
process's peak (708 MiB for every command of one `make bench`, pandas at 100k and an empty
inbox alike). So each command is started by this file run as a small launcher (about 10 MiB),
which times the command and writes its rusage to a report file. Standard library only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_mib: float


def measured(
    command: list[str], what: str, env: dict[str, str] | None = None, keep_stdout: bool = False
) -> tuple[Measured, bytes]:
    """Run `command` through the launcher: its wall time and peak RSS, and its standard output
    when `keep_stdout`. RuntimeError with the end of its standard error when it fails."""
    handle, name = tempfile.mkstemp(prefix="recall-bench-measure-", suffix=".json")
    os.close(handle)
    report = Path(name)
    try:
        finished = subprocess.run(
            [sys.executable, __file__, str(report), *command],
            env=env,
            stdout=subprocess.PIPE if keep_stdout else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        if finished.returncode != 0:
            raise RuntimeError(f"{what} failed: {finished.stderr.decode()[-2000:]}")
        figures = json.loads(report.read_text(encoding="utf-8"))
    finally:
        report.unlink(missing_ok=True)
    return Measured(figures["seconds"], figures["peak_rss_kib"] / 1024), finished.stdout or b""


def launch(report: Path, command: list[str]) -> int:
    """Run the command with this process's standard streams; write its seconds and peak RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    figures = {"seconds": seconds, "peak_rss_kib": usage.ru_maxrss}
    report.write_text(json.dumps(figures), encoding="utf-8")
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(launch(Path(sys.argv[1]), sys.argv[2:]))
