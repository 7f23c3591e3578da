"""The effect report's files in out/<c>/reports/<as_of>/ (SPEC §12): effect.xlsx, one
effect_<table>.csv per table, effect.html with charts; the progress report as progress.csv and
progress.html. Self-contained pages: inline SVG, no scripts, no network."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from flows.report.charts import effect_charts, progress_chart
from flows.shared.files import atomic_path, owner_only
from flows.shared.io import write_workbook
from flows.shared.pages import cell, page_environment

if TYPE_CHECKING:
    from flows.report.summary import EffectSummary
    from flows.shared.runs import Run

# shares (0–1) are shown as percentages on the pages; the files keep the fraction
SHARES = {"registration_rate", "completion_rate", "share", "answered_share", "share_of_offers"}
# what each table of the page tells, under its heading
ABOUT = {
    "Reach": "Units registered (claims neither ineligible nor duplicate) and remedied (paid) "
    "against the units affected ([campaign] units_affected), for the campaign and by SKU, "
    "region, channel and retailer (the [[sources]] whose pattern matched the list).",
    "Weekly": "Cumulative at the end of each week since the announcement.",
    "Claim days": "Days from the announcement to the claim, per early-response bonus band.",
    "Speed": "Days a customer waits: median and 90th percentile.",
    "Time to pay": "Days from the first offer to the value date of its payment.",
    "Handling": "Reviews and disputes decided by their reply-by date (of those decided and "
    "those still waiting past it), letters that followed up, deficiencies cured.",
    "Disputes": "Disputes of offers and appeals of rejections, by the reviewer's decision.",
    "Outcome": "Offers made, accepted and paid; payments that failed too often.",
    "By tier": "Compensation offered per unit, by tier.",
    "Expenses": "Expenses customers documented, reimbursed, and why the rest was not.",
    "Pro rata": "The pro-rata factors offers were made at when the reserve ran short.",
    "Satisfaction": "Payment follow-ups (回访) answered, and the ratings given (1–5).",
}


def csv_name(sheet: str) -> str:
    return f"effect_{sheet.lower().replace(' ', '_')}.csv"


def view(frame: pl.DataFrame) -> dict[str, Any]:
    """A table for the page: headings in words, cells as text, numbers right-aligned."""
    numeric = [frame.schema[c].is_numeric() for c in frame.columns]
    rows = [
        [
            (f"{v:.1%}" if c in SHARES and v is not None else cell(v), is_number)
            for c, v, is_number in zip(frame.columns, row, numeric, strict=True)
        ]
        for row in frame.iter_rows()
    ]
    headings = [c.replace("_", " ") for c in frame.columns]
    return {"columns": list(zip(headings, numeric, strict=True)), "rows": rows}


def write_outputs(
    run: Run, frames: dict[str, pl.DataFrame], periods: pl.DataFrame, summary: EffectSummary
) -> Path:
    """Every file of the report, each written whole or not at all; returns the folder."""
    folder = owner_only(owner_only(run.paths.out(run.campaign, "reports")) / f"{run.as_of}")
    for sheet, frame in frames.items():
        with atomic_path(folder / csv_name(sheet), mode=0o600) as tmp:
            frame.write_csv(tmp)
    with atomic_path(folder / "progress.csv", mode=0o600) as tmp:
        periods.write_csv(tmp)
    with atomic_path(folder / "effect.xlsx", mode=0o600) as tmp:
        write_workbook(frames, tmp, run.as_of)
    env = page_environment()
    common = {
        "campaign": run.config.campaign,
        "as_of": run.as_of,
        "run_id": run.run_id,
        "period": run.config.report.period,
    }
    page = env.get_template("report/effect.html.j2").render(
        **common,
        summary=summary,
        lines=summary.lines(),
        charts=effect_charts(frames, summary.units_affected),
        tables={sheet: view(frame) for sheet, frame in frames.items()},
        about=ABOUT,
        csv_names={sheet: csv_name(sheet) for sheet in frames},
    )
    with atomic_path(folder / "effect.html", mode=0o600) as tmp:
        tmp.write_text(page, encoding="utf-8")
    page = env.get_template("report/progress.html.j2").render(
        **common,
        chart=progress_chart(periods, summary.units_affected),
        table=view(periods),
    )
    with atomic_path(folder / "progress.html", mode=0o600) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return folder
