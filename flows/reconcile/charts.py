"""The finance report's charts (SPEC §7): the reserve burn-down per day, from the ledger, and
paid vs committed by tier, as inline SVG (no scripts, no network)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import duckdb
import polars as pl
from markupsafe import Markup

from flows.shared import db
from flows.shared.charts import money_axis, pyplot, svg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from flows.shared.runs import Run

__all__ = ["burn_down", "burn_down_figure", "charts", "svg", "tier_figure"]

BURN_DOWN = (  # column, its legend in the report's words (report_text.TEXT), colour, width
    # available is drawn wide and light, so that committed, at the reserve, still shows it
    ("available", "available", "#9dc3e6", 5.0),
    ("committed", "committed", "#c55a11", 1.8),
    ("paid", "paid", "#548235", 1.8),
)


def burn_down(
    con: duckdb.DuckDBPyConnection, campaign: str, as_of: date, reserve: Decimal
) -> pl.DataFrame:
    """Per day up to as_of: available, committed (offers + holdbacks) and paid so far; the
    last row is as_of's, the reserve position the cards show."""
    return pl.DataFrame(
        db.rows(con, "reconcile/burn_down", campaign=campaign, as_of=as_of, reserve=reserve),
        schema={
            "day": pl.Date,
            "available": pl.Decimal(38, 2),
            "committed": pl.Decimal(38, 2),
            "paid": pl.Decimal(38, 2),
        },
    )


def burn_down_figure(burn: pl.DataFrame, currency: str, words: dict[str, str]) -> Figure:
    plt = pyplot()
    from matplotlib.dates import AutoDateLocator, DateFormatter

    figure, axis = plt.subplots(figsize=(11, 3.4))
    days = burn["day"].to_list()
    for column, label, colour, width in BURN_DOWN:
        values = [float(v) for v in burn[column].to_list()]
        axis.step(days, values, where="post", label=words[label], color=colour, linewidth=width)
        axis.plot(days, values, "o", color=colour, markersize=3)  # each day with an event
    axis.set_ylabel(currency)
    axis.set_ylim(bottom=0)
    axis.set_xlim(days[0] - timedelta(days=1), days[-1] + timedelta(days=1))  # one day shows too
    money_axis(axis.yaxis)
    axis.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=8))
    if (days[-1] - days[0]).days < 3:  # a few days: a tick on each, not every few hours
        axis.set_xticks(days)
    axis.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
    axis.legend(frameon=False, fontsize=9, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
    return figure


def tier_figure(tiers: pl.DataFrame, currency: str, words: dict[str, str] | None = None) -> Figure:
    """Horizontal bars, one pair per tier: tier names on the left, a few money ticks below."""
    words = words or {"committed": "committed", "paid": "paid"}
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(5.5, 1.4 + 0.6 * max(tiers.height, 1)))
    names = tiers["tier"].to_list()
    positions = range(len(names))
    committed = [float(v) for v in tiers["committed"].to_list()]
    paid = [float(v) for v in tiers["paid"].to_list()]
    axis.barh(
        [y + 0.2 for y in positions], committed, 0.4, label=words["committed"], color="#c55a11"
    )
    axis.barh([y - 0.2 for y in positions], paid, 0.4, label=words["paid"], color="#548235")
    axis.set_yticks(list(positions), names)
    money_axis(axis.xaxis, nbins=3)
    axis.set_xlabel(currency)
    axis.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2)
    return figure


def charts(
    run: Run, frames: dict[str, pl.DataFrame], words: dict[str, str]
) -> tuple[dict[str, Markup], pl.DataFrame]:
    """The two charts as inline SVG in the page's words, and the burn-down they draw (its
    last row: the cards')."""
    plt = pyplot()
    currency = run.config.campaign.currency
    burn = burn_down(run.con, run.campaign, run.as_of, run.config.campaign.reserve)
    out: dict[str, Markup] = {}
    for name, figure in (
        ("burn_down", burn_down_figure(burn, currency, words)),
        ("by_tier", tier_figure(frames["By tier"], currency, words)),
    ):
        out[name] = svg(figure)
        plt.close(figure)
    return out, burn
