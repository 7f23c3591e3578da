"""`make bench` entry point: times the intake of the demo campaign."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from flows.settings import configure_environment


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="recall-bench-"))
    paths = configure_environment(home, home / "config")
    from flows.demo import DEMO_AS_OF, DEMO_CAMPAIGN, write_demo
    from flows.intake import intake

    files = write_demo(paths)
    started = time.perf_counter()
    summary = intake(DEMO_CAMPAIGN, DEMO_AS_OF)
    seconds = time.perf_counter() - started
    rows = sum(summary.status_counts.values())
    print(
        f"intake of the demo campaign: {len(files)} files, {rows:,} rows, {seconds:.2f} s "
        f"(including Prefect start-up)"
    )


if __name__ == "__main__":
    main()
