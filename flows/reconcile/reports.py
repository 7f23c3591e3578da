"""Finance outputs of a reconcile run: reconciliation.xlsx, the same tables as CSV, and a
self-contained reconciliation.html with charts (inline SVG; no scripts, no network)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from flows.reconcile.statements import PAYOUT_FILES
from flows.shared import db
from flows.shared.crash import crash_point
from flows.shared.files import atomic_path, owner_only
from flows.shared.io import money_columns, write_workbook
from flows.shared.settings import templates_dir

if TYPE_CHECKING:
    from flows.reconcile.summary import ReconcileSummary
    from flows.shared.runs import Run

SHEETS = ("Summary", "Exceptions", "By tier", "By region", "Aging", "Payout files")
HTML_EXCEPTIONS = 200  # rows shown in the HTML report; the CSV and workbook hold them all


UNMATCHED = {"unknown_ref": "paid to unknown refs", "currency_mismatch": "paid in another currency"}


def unmatched(summary: ReconcileSummary, kind: str, currency: str) -> Decimal:
    return sum(
        (u.net for u in summary.unmatched if (u.kind, u.currency) == (kind, currency)), Decimal(0)
    )


def summary_rows(summary: ReconcileSummary) -> list[dict[str, Any]]:
    """Rows of the Summary sheet (metric and an amount, a count or a note): the reserve
    position, the totals, items per class and the alerts."""
    p, t = summary.position, summary.totals
    money: list[tuple[str, Decimal]] = [
        ("reserve", p.reserve),
        ("top-ups", p.top_ups),
        ("available (reserve + top-ups)", p.available),
        ("committed offers", p.offered),
        ("pending holdbacks", p.held_back),
        ("headroom", p.headroom),
        ("instructed", t["instructed"]),
        ("paid (net of returns and reversals)", p.paid),
        ("  of which applied to instructions", t["paid"]),
        ("  of which paid in excess (overpaid, duplicates)", t["paid_in_excess"]),
        ("outstanding", t["outstanding"]),
        ("failed, not reissued (unpayable)", t["failed_not_reissued"]),
    ]
    own = summary.currency
    money.append(("paid to unknown refs", unmatched(summary, "unknown_ref", own)))
    rows: list[dict[str, Any]] = [
        {"metric": m, "amount": v, "count": None, "note": None} for m, v in money
    ]
    # money in other currencies: told per currency, never added to the campaign's
    for u in summary.unmatched:
        if u.currency != own:
            what = UNMATCHED[u.kind]
            note = f"{u.currency} {u.net:,.2f} (not added to the {own} totals)"
            rows.append(
                {"metric": f"{what}, {u.currency}", "amount": None, "count": None, "note": note}
            )
    rows.append(
        {"metric": "utilisation", "amount": None, "count": None, "note": f"{p.utilisation:.1%}"}
    )
    counts = [("instructions reissued in this run", summary.reissued)]
    counts += [(f"{item}s {cls}", n) for item, cls, n, _, _ in summary.classes]
    rows += [{"metric": m, "amount": None, "count": n, "note": None} for m, n in counts]
    rows += [
        {"metric": f"alert ({a.severity})", "amount": None, "count": None, "note": a.message}
        for a in summary.alerts
    ] or [{"metric": "alerts", "amount": None, "count": None, "note": "none"}]
    return rows


def tables(run: Run, summary: ReconcileSummary) -> dict[str, pl.DataFrame]:
    """The report's tables, by sheet name."""
    summary_frame = pl.DataFrame(
        summary_rows(summary),
        schema={
            "metric": pl.String,
            "amount": pl.Decimal(18, 2),
            "count": pl.Int64,
            "note": pl.String,
        },
    )
    frames = {"Summary": summary_frame}
    for sheet, statement in zip(
        SHEETS[1:5],
        ("reconcile/exceptions", "reconcile/by_tier", "reconcile/by_region", "reconcile/aging"),
        strict=True,
    ):
        frames[sheet] = run.con.sql(db.sql_text(statement), params={"campaign": run.campaign}).pl()
    fates = pl.DataFrame(
        [{c: row.get(c) for c in PAYOUT_FILES} for row in summary.payout_files],
        schema=PAYOUT_FILES,
    )
    inert = "* replace (recall_safe_text(file) as file, recall_safe_text(message) as message)"
    frames["Payout files"] = run.con.from_arrow(fates.to_arrow()).select(inert).pl()
    return frames


def _svg(figure: Any) -> Markup:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    return Markup(svg[svg.index("<svg") :])


def charts(run: Run, frames: dict[str, pl.DataFrame]) -> dict[str, Markup]:
    """Reserve burn-down over time and paid vs committed by tier, as inline SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 10, "axes.spines.top": False})
    plt.rcParams.update({"axes.spines.right": False, "svg.hashsalt": "recall"})
    burn = run.con.sql(
        db.sql_text("reconcile/burn_down"),
        params={
            "campaign": run.campaign,
            "as_of": run.as_of,
            "reserve": run.config.campaign.reserve,
        },
    ).pl()
    out: dict[str, Markup] = {}
    figure, axis = plt.subplots(figsize=(8, 3.4))
    days = burn["day"].to_list()
    for column, label, colour in (
        ("available", "available reserve", "#1f4e79"),
        ("offered", "committed offers", "#c55a11"),
        ("paid", "paid", "#548235"),
        ("remaining", "reserve remaining after payouts", "#7f7f7f"),
    ):
        values = [float(v) for v in burn[column].to_list()]
        axis.step(days, values, where="post", label=label, color=colour, linewidth=1.8)
    axis.set_ylabel(run.config.campaign.currency)
    axis.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    axis.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
    figure.autofmt_xdate()
    out["burn_down"] = _svg(figure)
    plt.close(figure)

    tiers = frames["By tier"]
    figure, axis = plt.subplots(figsize=(5.5, 1.2 + 0.6 * max(tiers.height, 1)))
    names = tiers["tier"].to_list()
    positions = range(len(names))
    committed = [float(v) for v in tiers["committed"].to_list()]
    paid = [float(v) for v in tiers["paid"].to_list()]
    axis.barh([y + 0.2 for y in positions], committed, 0.4, label="committed", color="#c55a11")
    axis.barh([y - 0.2 for y in positions], paid, 0.4, label="paid", color="#548235")
    axis.set_yticks(list(positions), names)
    axis.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    axis.set_xlabel(run.config.campaign.currency)
    axis.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
    out["by_tier"] = _svg(figure)
    plt.close(figure)
    return out


def _cell(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


def write_html(
    run: Run, summary: ReconcileSummary, frames: dict[str, pl.DataFrame], target: Path
) -> None:
    env = SandboxedEnvironment(  # as the letters': sandboxed, and an unknown name fails
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = _cell
    exceptions = frames["Exceptions"]
    html = env.get_template("reconcile/reconciliation.html.j2").render(
        campaign=run.config.campaign,
        run_id=run.run_id,
        as_of=run.as_of,
        position=summary.position,
        totals=summary.totals,
        alerts=summary.alerts,
        classes=summary.classes,
        reissued=summary.reissued,
        payout_files=frames["Payout files"].rows(named=True),
        other_currencies=[
            (UNMATCHED[u.kind], u) for u in summary.unmatched if u.currency != summary.currency
        ],
        charts=charts(run, frames),
        tables={
            name: {"columns": frame.columns, "rows": frame.rows()}
            for name, frame in frames.items()
            if name in ("By tier", "By region", "Aging")
        },
        exceptions={
            "columns": exceptions.columns,
            "rows": exceptions.head(HTML_EXCEPTIONS).rows(),
            "total": exceptions.height,
        },
        money_columns={c for f in frames.values() for c in money_columns(f)},
    )
    target.write_text(html, encoding="utf-8")


def write_reports(run: Run, summary: ReconcileSummary) -> Path:
    """out/<c>/reports/<as_of>/: reconciliation.xlsx, one CSV per sheet, reconciliation.html."""
    folder = owner_only(owner_only(run.paths.out(run.campaign, "reports")) / f"{run.as_of}")
    frames = tables(run, summary)
    for sheet, frame in frames.items():
        name = sheet.lower().replace(" ", "_")
        with atomic_path(folder / f"{name}.csv", mode=0o600) as tmp:
            frame.write_csv(tmp)
    crash_point("reconcile:reports")
    with atomic_path(folder / "reconciliation.xlsx", mode=0o600) as tmp:
        write_workbook(frames, tmp, run.as_of)
    with atomic_path(folder / "reconciliation.html", mode=0o600) as tmp:
        write_html(run, summary, frames, tmp)
    return folder


def summary_markdown(summary: ReconcileSummary, currency: str) -> str:
    """The Prefect artifact: reserve position, totals, alerts and classes (no personal data)."""
    lines = [f"# Reconciliation {summary.run_id}", "", f"| metric | {currency} |", "|---|---:|"]
    for row in summary_rows(summary):
        value = next(v for v in (row["amount"], row["count"], row["note"], "") if v is not None)
        lines.append(f"| {row['metric']} | {_cell(value)} |")
    return "\n".join(lines)
