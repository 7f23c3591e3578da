"""Finance outputs of a reconcile run: reconciliation.xlsx, the same tables as CSV, and a
self-contained reconciliation.html with charts (inline SVG; no scripts, no network)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from flows.reconcile.charts import charts
from flows.reconcile.report_text import TEXT, page_words, report_languages
from flows.reconcile.statements import PAYOUT_FILES
from flows.shared import db
from flows.shared.crash import crash_point
from flows.shared.files import atomic_path, owner_only
from flows.shared.io import money_columns, write_workbook
from flows.shared.pages import cell, page_environment
from flows.shared.words import ALERTS, ALERTS_IN, CLASSES, CLASSES_IN

if TYPE_CHECKING:
    from flows.reconcile.summary import ReconcileSummary
    from flows.shared.runs import Run

SHEETS = ("Summary", "Exceptions", "By tier", "By region", "Aging", "Payout files")
# exceptions shown on the page; past this many the page says so and links exceptions.csv,
# which holds them all (as the workbook does)
HTML_EXCEPTIONS = 1000
ITEMS = {"instruction": "instructions", "payout": "payouts"}


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
        ("committed (offers + pending holdbacks)", p.committed),
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
    counts += [  # each group's subtotal under it
        (r["what"] if r["kind"] == "subtotal" else f"{ITEMS[r['item']]}: {r['what']}", r["count"])
        for r in class_rows(summary.classes)
    ]
    rows += [{"metric": m, "amount": None, "count": n, "note": None} for m, n in counts]
    rows += [
        {
            "metric": f"{a.severity}: {alert_words(a)}",
            "amount": None,
            "count": None,
            "note": a.message,
        }
        for a in summary.alerts
    ] or [{"metric": "alerts", "amount": None, "count": None, "note": "none"}]
    return rows


def alert_words(alert: Any) -> str:
    return ALERTS.get(alert.code, alert.code)


def class_rows(classes: list[tuple[str, str, int, Decimal, Decimal]]) -> list[dict[str, Any]]:
    """The classes table: instructions, then payouts, each group's subtotal under it. Money a
    payout did not pay (failed, returned, reversed, given back) is told apart from paid; what
    payouts to refs not ours or in another currency moved is told per currency elsewhere
    (summary.unmatched), never added here."""
    rows: list[dict[str, Any]] = []
    for item in ITEMS:
        group = [c for c in classes if c[0] == item]
        if not group:
            continue
        for _, cls, count, instructed, paid in group:
            not_paid = item == "payout" and cls == "failed"
            per_currency = item == "payout" and cls in UNMATCHED
            rows.append(
                {
                    "kind": "detail",
                    "item": item,
                    "class": cls,
                    "what": CLASSES.get(cls, cls),
                    "count": count,
                    "instructed": instructed,
                    "paid": None if not_paid or per_currency else paid,
                    "not_paid": paid if not_paid else None,
                    "per_currency": per_currency,
                }
            )
        details = [r for r in rows if r["item"] == item]
        rows.append(
            {
                "kind": "subtotal",
                "item": item,
                "class": None,
                "what": f"all {ITEMS[item]}",
                "count": sum(r["count"] for r in details),
                "instructed": sum((r["instructed"] for r in details), Decimal(0)),
                "paid": sum((r["paid"] or 0 for r in details), Decimal(0)),
                "not_paid": sum((r["not_paid"] or 0 for r in details), Decimal(0)) or None,
                "per_currency": False,
            }
        )
    return rows


def exception_words(frame: pl.DataFrame, terms_days: int) -> pl.DataFrame:
    """A `what` column after `class`: the class in words (what needs doing)."""
    words = CLASSES | {"outstanding": CLASSES["outstanding_past_terms"].format(days=terms_days)}
    what = pl.col("class").replace_strict(words, default=pl.col("class"), return_dtype=pl.String)
    at = frame.columns.index("class") + 1
    return frame.insert_column(at, frame.select(what.alias("what")).to_series())


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
    aliases = run.config.regions.aliases
    params: dict[str, dict[str, Any]] = {
        "exceptions": {"terms_days": run.config.payments.terms_days},
        "by_tier": {},
        "by_region": {"aliases": list(aliases), "regions": list(aliases.values())},
        "aging": {},
    }
    for sheet, (statement, more) in zip(SHEETS[1:5], params.items(), strict=True):
        frames[sheet] = run.con.sql(
            db.sql_text(f"reconcile/{statement}"), params={"campaign": run.campaign} | more
        ).pl()
    frames["Exceptions"] = exception_words(frames["Exceptions"], run.config.payments.terms_days)
    fates = pl.DataFrame(
        [{c: row.get(c) for c in PAYOUT_FILES} for row in summary.payout_files],
        schema=PAYOUT_FILES,
    )
    inert = "* replace (recall_safe_text(file) as file, recall_safe_text(message) as message)"
    frames["Payout files"] = run.con.from_arrow(fates.to_arrow()).select(inert).pl()
    return frames


def write_html(
    run: Run,
    summary: ReconcileSummary,
    frames: dict[str, pl.DataFrame],
    target: Path,
    limit: int = HTML_EXCEPTIONS,
    language: str = "en",
) -> None:
    """reconciliation.html: what needs a person first (all of it, or the first `limit` and a
    link to exceptions.csv), the cards, the burn-down ending on them, the tables; in
    `language`, with links to the pages in the report's other languages."""
    env = page_environment()
    exceptions = frames["Exceptions"]
    # a case: an instruction (with its payouts), or a payout no instruction row carries
    instructed = exceptions.filter(pl.col("item") == "instruction").get_column("payment_ref")
    cases = exceptions.filter(
        (pl.col("item") == "instruction")
        | ~pl.col("payment_ref").is_in(instructed.implode()).fill_null(False)
    )
    words = page_words(language)
    drawn, burn = charts(run, frames, words["t"])
    languages = report_languages(run.config.campaign.languages)
    aliases = run.config.regions.aliases
    html = env.get_template("reconcile/reconciliation.html.j2").render(
        **words,
        language=language,
        other_pages=[(lang, html_name(lang, languages)) for lang in languages if lang != language],
        language_names={lang: TEXT[lang]["language"] for lang in TEXT},
        class_words=CLASSES_IN[language],
        region_aliases=", ".join(f"{a} → {r}" for a, r in aliases.items()),
        campaign=run.config.campaign,
        run_id=run.run_id,
        as_of=run.as_of,
        position=summary.position,
        totals=summary.totals,
        alerts=summary.alerts,
        classes=class_rows(summary.classes),
        reissued=summary.reissued,
        payout_files=frames["Payout files"].rows(named=True),
        other_currencies=summary.unmatched,  # per currency, never added to the figures
        charts=drawn,
        burn_end=burn.row(-1, named=True),
        terms_days=run.config.payments.terms_days,
        alert_words=ALERTS_IN[language],
        tables={
            name: {"columns": frame.columns, "rows": frame.rows()}
            for name, frame in frames.items()
            if name in ("By tier", "By region", "Aging")
        },
        exceptions={
            "rows": exceptions.head(limit).rows(named=True),
            "total": exceptions.height,
            "cases": cases.height,
            # per class, in cases as `recall status` counts them (sql/cli/open_exceptions.sql)
            "by_class": cases.group_by("class", "what", maintain_order=True).len().rows(),
            "past_terms": exceptions.filter(pl.col("class") == "outstanding").height,
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
    languages = report_languages(run.config.campaign.languages)
    for language in languages:
        with atomic_path(folder / html_name(language, languages), mode=0o600) as tmp:
            write_html(run, summary, frames, tmp, language=language)
    return folder


def html_name(language: str, languages: list[str]) -> str:
    """reconciliation.html in the report's first language, reconciliation.<lang>.html else."""
    return "reconciliation.html" if language == languages[0] else f"reconciliation.{language}.html"


def summary_markdown(summary: ReconcileSummary, currency: str) -> str:
    """The Prefect artifact: reserve position, totals, alerts and classes (no personal data)."""
    lines = [f"# Reconciliation {summary.run_id}", "", f"| metric | {currency} |", "|---|---:|"]
    for row in summary_rows(summary):
        value = next(v for v in (row["amount"], row["count"], row["note"], "") if v is not None)
        lines.append(f"| {row['metric']} | {cell(value)} |")
    return "\n".join(lines)
