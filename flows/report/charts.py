"""The effect report's charts (SPEC §12), read at a glance by a manager: the completion curve
(registrations per week against the units affected), time to pay, the review SLA and
satisfaction by region; inline SVG like the finance report's (flows.shared.charts)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl
from markupsafe import Markup

from flows.shared.charts import money_axis, pyplot, svg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BLUE, GREEN, AMBER, RED, GREY = "#1f4e79", "#548235", "#c55a11", "#b42318", "#b8c2cc"
SCORES = ("#b42318", "#e8743b", "#f2c94c", "#8fbf6f", "#548235")  # 1 (worst) to 5


def _nothing_yet(axis: Any, what: str) -> None:
    axis.text(0.5, 0.5, what, ha="center", va="center", transform=axis.transAxes, color="#5f6b7a")
    axis.set_xticks([])
    axis.set_yticks([])


def count_axis(axis: Any, nbins: int = 5) -> None:
    """Whole numbers with thousands separators: no tick between two counts."""
    money_axis(axis, nbins)
    axis.get_major_locator().set_params(integer=True)


def _legend(axis: Any, columns: int) -> None:
    axis.legend(
        frameon=False, fontsize=9, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=columns
    )


def completion_figure(periods: pl.DataFrame, units_affected: int | None) -> Figure:
    """Per period: units registered in it (bars), registered and remedied so far (lines), and
    the units affected the curve climbs towards."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(11, 3.6))
    labels = periods["period"].to_list()
    registered = periods["units_registered"].to_list()
    per_period = [b - a for a, b in zip([0, *registered[:-1]], registered, strict=True)]
    positions = list(range(len(labels)))
    axis.bar(positions, per_period, 0.6, color="#9dc3e6", label="registered in the period")
    axis.plot(positions, registered, "o-", color=BLUE, label="registered so far", markersize=3)
    remedied = periods["units_remedied"].to_list()
    axis.plot(positions, remedied, "o-", color=GREEN, label="remedied (paid) so far", markersize=3)
    if units_affected:
        axis.axhline(units_affected, color=RED, linestyle="--", linewidth=1.2)
        axis.annotate(
            f"units affected {units_affected:,}",
            (0, units_affected),
            xytext=(2, -12),
            textcoords="offset points",
            color=RED,
            fontsize=9,
        )
        axis.set_ylim(0, units_affected * 1.08)
    step = max(1, len(labels) // 12)  # at most a dozen labels under the bars
    axis.set_xticks(positions[::step], labels[::step])
    count_axis(axis.yaxis)
    axis.set_ylabel("units")
    _legend(axis, 3)
    return figure


def time_to_pay_figure(spans: pl.DataFrame) -> Figure:
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(5.4, 3.0))
    claims = spans["claims"].to_list()
    if not sum(claims):
        _nothing_yet(axis, "no payment yet")
        return figure
    labels = [s.removesuffix(" days") for s in spans["days_to_pay"].to_list()]
    bars = axis.bar(labels, claims, 0.6, color=BLUE)
    axis.bar_label(bars, [f"{c:,}" for c in claims], fontsize=9)
    axis.set_xlabel("days from offer to payment (value date)")
    count_axis(axis.yaxis)
    axis.set_ylabel("claims paid")
    return figure


def review_sla_figure(handling: pl.DataFrame) -> Figure:
    """One bar: reviews decided by their reply-by date, decided late, still waiting past it,
    and (apart) those waiting within it."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(5.4, 3.0))
    counts = dict(zip(handling["measure"], handling["claims"], strict=True))
    met = counts["decided by the reply-by date"]
    parts = [
        ("decided in time", met, GREEN),
        ("decided late", counts["reviews decided"] - met, AMBER),
        ("waiting, past the first reply-by", counts["waiting, past the reply-by date"], RED),
        ("waiting, not yet due", counts["waiting, within the reply-by date"], GREY),
    ]
    if not sum(n for _, n, _ in parts):
        _nothing_yet(axis, "no review yet")
        return figure
    names = [name for name, _, _ in parts]
    bars = axis.barh(names, [n for _, n, _ in parts], color=[c for _, _, c in parts])
    axis.bar_label(bars, [f"{n:,}" for _, n, _ in parts], fontsize=9, padding=3)
    axis.invert_yaxis()
    count_axis(axis.xaxis, nbins=4)
    axis.set_xlabel("reviews and disputes")
    return figure


def satisfaction_figure(satisfaction: pl.DataFrame) -> Figure:
    """Per region: the ratings given, 1 to 5, stacked, and their average."""
    plt = pyplot()
    regions = satisfaction.filter(pl.col("dimension") == "region")
    figure, axis = plt.subplots(figsize=(11, 1.4 + 0.45 * max(regions.height, 1)))
    if not regions.height or not regions["answered"].sum():
        _nothing_yet(axis, "no rating yet")
        return figure
    names = regions["value"].to_list()
    left = [0] * regions.height
    for score, colour in zip(range(1, 6), SCORES, strict=True):
        counts = regions[f"score_{score}"].to_list()
        axis.barh(names, counts, left=left, color=colour, label=f"{score}")
        left = [a + b for a, b in zip(left, counts, strict=True)]
    for y, (total, average) in enumerate(zip(left, regions["average_score"], strict=True)):
        if total:
            axis.text(total, y, f"  average {average:.1f}", va="center", fontsize=9)
    axis.invert_yaxis()
    axis.set_xlim(0, max(left) * 1.25)
    count_axis(axis.xaxis)
    axis.set_xlabel("ratings given (1 = very unhappy, 5 = settled and happy)")
    _legend(axis, 5)
    return figure


def effect_charts(frames: dict[str, pl.DataFrame], units_affected: int | None) -> dict[str, Markup]:
    """The page's four charts as inline SVG, by name."""
    plt = pyplot()
    drawn: dict[str, Markup] = {}
    for name, figure in (
        ("completion", completion_figure(frames["Weekly"], units_affected)),
        ("time_to_pay", time_to_pay_figure(frames["Time to pay"])),
        ("review_sla", review_sla_figure(frames["Handling"])),
        ("satisfaction", satisfaction_figure(frames["Satisfaction"])),
    ):
        drawn[name] = svg(figure)
        plt.close(figure)
    return drawn


def progress_chart(periods: pl.DataFrame, units_affected: int | None) -> Markup:
    plt = pyplot()
    figure = completion_figure(periods, units_affected)
    drawn = svg(figure)
    plt.close(figure)
    return drawn
