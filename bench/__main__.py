"""`make bench`: run the benchmarks and write bench/RESULTS.md (figures, machine, date, command)."""

from __future__ import annotations

import os
import platform
import tempfile
import time
from datetime import datetime
from pathlib import Path

from flows.shared.settings import configure_environment, flow_run_settings

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def demo_pipeline() -> list[str]:
    """Intake and compensate of the demo campaign through the flows (Prefect start-up included)."""
    home = Path(tempfile.mkdtemp(prefix="recall-bench-"))
    paths = configure_environment(home, home / "config")
    from flows.cli.demo import DEMO_AS_OF, DEMO_CAMPAIGN, write_demo
    from flows.compensate.flow import compensate
    from flows.intake.flow import intake

    write_demo(paths)
    with flow_run_settings():  # as `recall run` runs flows
        started = time.perf_counter()
        summary = intake(DEMO_CAMPAIGN, DEMO_AS_OF)
        intake_s = time.perf_counter() - started
        started = time.perf_counter()
        compensation = compensate(DEMO_CAMPAIGN, DEMO_AS_OF)
        compensate_s = time.perf_counter() - started
    rows = sum(summary.status_counts.values())
    return [
        "## Demo campaign through the flows",
        "",
        f"- intake: {rows:,} rows from 3 files in {intake_s:.2f} s (first flow of the process, "
        f"so Prefect's temporary server start-up is included)",
        f"- compensate: {compensation.offers_made:,} offers, "
        f"{compensation.pending_reviews:,} reviews in {compensate_s:.2f} s",
    ]


def main() -> None:
    from bench import letters, overhead, pipeline, report, responses, scale_out, startup, statements

    sizes = tuple(
        int(n) for n in os.environ.get("BENCH_SIZES", "100000,1000000,10000000").split(",")
    )
    sections = [*demo_pipeline(), "", *letters.main(), "", *scale_out.main(), ""]
    sections += [*startup.main(), ""]
    sections += [*pipeline.main(sizes), ""]
    statements_size = os.environ.get("BENCH_STATEMENTS_SIZE")
    sections += [*statements.main(int(statements_size or statements.DEFAULT_CLAIMS)), ""]
    sections += [*responses.main(*responses.sizes([])), ""]  # BENCH_RESPONSES_SIZE
    sections += overhead.main(int(os.environ.get("BENCH_OVERHEAD_SIZE", "100000")))
    sections += ["", *report.main(int(os.environ.get("BENCH_REPORT_SIZE", "1000000")))]
    header = [
        "# Benchmark results",
        "",
        f"- date: {datetime.now():%Y-%m-%d %H:%M}",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.platform()}",
        "- command: `make bench`",
        "",
    ]
    text = "\n".join([*header, *sections, ""])
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
