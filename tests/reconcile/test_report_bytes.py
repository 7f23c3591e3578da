"""Nothing but the run's as-of dates a report: written again later, its bytes are the same."""

from __future__ import annotations

import time
from datetime import date

import polars as pl

from flows.shared.io import write_workbook

AS_OF = date(2026, 10, 15)


def test_a_workbook_written_at_two_times_has_the_same_bytes(tmp_path):
    frames = {"Summary": pl.DataFrame({"metric": ["reserve"], "amount": [1]})}
    written = []
    for n in range(2):
        if n:
            time.sleep(1.1)  # the workbook's date is to the second
        write_workbook(frames, tmp_path / f"{n}.xlsx", AS_OF)
        written.append((tmp_path / f"{n}.xlsx").read_bytes())
    assert written[0] == written[1]


def test_a_chart_drawn_at_two_times_has_the_same_bytes(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from flows.reconcile.charts import svg as _svg

    drawn = []
    for epoch in ("1700000000", "1800000000"):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)  # what matplotlib takes for now
        monkeypatch.setitem(plt.rcParams, "svg.hashsalt", "recall")  # as charts() draws them
        figure, axis = plt.subplots()
        axis.plot([1, 2], [3, 4])
        drawn.append(str(_svg(figure)))
        plt.close(figure)
    assert drawn[0] == drawn[1]
