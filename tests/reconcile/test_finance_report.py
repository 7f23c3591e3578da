"""The finance report (SPEC §6a, §7): what needs a person first and complete, a true burn-down
that ends where the cards are, words for codes, regions merged by alias, fits 1280 px."""

from __future__ import annotations

import csv
import itertools
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from flows.shared import db
from flows.shared.config import ConfigError, load_campaign
from tests.conftest import (
    AS_OF,
    CAMPAIGN,
    insert,
    insert_claim,
    insert_entitlement,
    insert_instruction,
    insert_offer,
    insert_payout,
)
from tests.pages import chromium_measure
from tests.reconcile import test_reconcile
from tests.reconcile.test_reconcile import ROUNDS

reconciled = test_reconcile.reconciled  # the module's fixture: every class, three rounds

ACTION_NEEDED = {
    "overpaid",
    "underpaid",
    "duplicate_payment",
    "unknown_ref",
    "currency_mismatch",
    "unpayable",
    "failed",
}


def report_rows(summary, name: str) -> list[dict[str, str]]:
    with (summary.reports / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_outstanding_within_the_payment_terms_is_aged_not_an_exception(reconciled):
    _, summaries = reconciled  # the first round: instructions 7 days old, terms 14 days
    first = summaries[0]
    classes = {r["class"] for r in report_rows(first, "exceptions.csv")}
    assert "outstanding" not in classes
    assert ACTION_NEEDED & classes == ACTION_NEEDED - {"unpayable"}  # unpayable comes later
    aging = {r["aging"]: int(r["instructions"]) for r in report_rows(first, "aging.csv")}
    assert aging["0-7"] >= 2  # outstanding_a and _b, aged, not exceptions


def test_outstanding_past_the_payment_terms_is_an_exception(reconciled):
    _, summaries = reconciled  # the third round: 36 days after the instructions
    rows = report_rows(summaries[-1], "exceptions.csv")
    late = [r for r in rows if r["class"] == "outstanding"]
    assert len(late) >= 2 and all(int(r["age_days"]) > 14 for r in late)
    assert {r["what"] for r in late} == {"instructed, not paid within the 14-day payment terms"}


def test_exceptions_come_in_order_of_what_needs_a_person_first(reconciled):
    _, summaries = reconciled
    order = [r["class"] for r in report_rows(summaries[-1], "exceptions.csv")]
    first_seen = list(dict.fromkeys(order))
    assert first_seen.index("duplicate_payment") < first_seen.index("underpaid")
    assert first_seen[-1] == "outstanding"  # routine late payments come after money gone wrong


def test_payment_terms_are_validated_config(tmp_path: Path):
    shipped = Path("config/campaigns/RC-2026-017.toml").read_text(encoding="utf-8")
    bad = tmp_path / "RC-2026-017.toml"
    bad.write_text(re.sub(r"terms_days = \d+", "terms_days = 0", shipped), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"payments\.terms_days"):
        load_campaign(bad)


def test_the_page_shows_every_exception_or_says_how_many_and_links_the_csv(reconciled, tmp_path):
    from flows.reconcile.reports import tables, write_html
    from flows.shared.runs import Run, load_config

    space, summaries = reconciled
    summary = summaries[-1]
    total = len(report_rows(summary, "exceptions.csv"))
    con = duckdb.connect(str(space.paths.database), read_only=True)
    try:
        run = Run(
            "r", "reconcile", ROUNDS[-1], load_config(space.paths, CAMPAIGN), space.paths, con
        )
        db.run(con, "reconcile/chain_totals", campaign=CAMPAIGN)  # a temp table of the run
        target = tmp_path / "reconciliation.html"
        write_html(run, summary, tables(run, summary), target, limit=3, language="en")
    finally:
        con.close()
    text = target.read_text(encoding="utf-8")
    assert f"the first 3 of {total} exceptions" in text
    assert '<a href="exceptions.csv">exceptions.csv</a>' in text
    # action-needed ones come first on a cut page
    page = (summary.reports / "reconciliation.html").read_text(encoding="utf-8")
    assert page.index('id="exceptions"') < page.index('id="burn-down"')


def test_the_report_fits_1280_px_and_shows_every_exception_that_needs_a_person(
    reconciled, tmp_path
):
    _, summaries = reconciled
    summary = summaries[-1]
    dom = chromium_measure(summary.reports / "reconciliation.html", tmp_path)
    found = re.search(r'data-width="(\d+)" data-viewport="(\d+)" data-over="([^"]*)"', dom)
    assert found, dom[:2000]
    width, viewport, over = int(found[1]), int(found[2]), found[3]
    assert viewport == 1280 and width <= viewport, (width, viewport)
    assert over == "", f"panels wider than their card: {over}"
    for row in report_rows(summary, "exceptions.csv"):
        key = row["provider_txn_id"] if row["item"] == "payout" else row["payment_ref"]
        assert key in dom, (row["class"], key)


def test_the_page_prints_on_a4_landscape(reconciled):
    _, summaries = reconciled
    page = (summaries[-1].reports / "reconciliation.html").read_text(encoding="utf-8")
    assert re.search(r"@page\s*{\s*size:\s*A4 landscape", page)


def test_the_burn_down_ends_where_the_cards_are(reconciled):
    from flows.reconcile.charts import burn_down

    space, summaries = reconciled
    summary = summaries[-1]
    con = duckdb.connect(str(space.paths.database), read_only=True)
    try:
        burn = burn_down(con, CAMPAIGN, ROUNDS[-1], Decimal("2500000.00"))
    finally:
        con.close()
    last = burn.row(-1, named=True)
    p = summary.position
    assert last["day"] == ROUNDS[-1]
    assert (last["available"], last["committed"], last["paid"]) == (
        p.available,
        p.committed,
        p.paid,
    )


def test_a_holdback_is_drawn_while_in_review_and_released_by_the_offer(con):
    from flows.reconcile.charts import burn_down

    for run_id, as_of in (("r1", date(2026, 10, 1)), ("r2", date(2026, 10, 5))):
        insert(con, "runs", {"run_id": run_id, "campaign": "C", "flow": "compensate",
                             "as_of": as_of, "status": "completed"})  # fmt: skip
    insert_claim(con, "k1", status="review", run_id="r1")  # still in review: held back to the end
    insert_entitlement(con, "k1", "harm", run_id="r2", holdback="5000.00")  # computed again
    insert_claim(
        con, "k2", status="offered", run_id="r1"
    )  # in review on day 1, its offer made on day 5
    insert_entitlement(con, "k2", "harm", run_id="r1", holdback="5000.00")
    insert_offer(con, "k2")
    con.execute("update offers set made_on = date '2026-10-05'")
    insert(con, "reserve_ledger", {"campaign": "C", "entry_no": 1, "amount": "1000.00",
                                   "note": "top-up", "recorded_on": date(2026, 10, 3)})  # fmt: skip
    insert_instruction(con, "PR-1", claim_id="k2", amount="50.00", made=date(2026, 10, 5))
    insert_payout(con, "T-1", "PR-1", amount="50.00", value_date=date(2026, 10, 7))
    burn = burn_down(con, "C", date(2026, 10, 9), Decimal("100000.00"))
    by_day = {r["day"]: r for r in burn.rows(named=True)}
    assert by_day[date(2026, 10, 1)]["committed"] == Decimal("10000.00")
    assert by_day[date(2026, 10, 3)]["available"] == Decimal("101000.00")
    assert by_day[date(2026, 10, 5)]["committed"] == Decimal("5050.00")  # 5000 held + 50 offered
    assert by_day[date(2026, 10, 7)]["paid"] == Decimal("50.00")
    last = burn.row(-1, named=True)
    [(top_ups, offered, held_back, _)] = db.run(con, "compensate/reserve_position", campaign="C")
    assert last["day"] == date(2026, 10, 9)
    assert (last["available"], last["committed"]) == (
        Decimal("100000.00") + top_ups,
        offered + held_back,
    )


def labels_overlap(figure) -> list[str]:
    """The tick labels of the figure that run into their neighbour."""
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    found = []
    for axis in figure.axes:
        for labels in (axis.get_xticklabels(), axis.get_yticklabels()):
            shown = [t for t in labels if t.get_text()]
            boxes = [t.get_window_extent(renderer) for t in shown]
            for (a, b), text in zip(itertools.pairwise(boxes), shown, strict=False):
                if a.overlaps(b):
                    found.append(text.get_text())
    return found


def test_the_chart_labels_do_not_overlap():
    import polars as pl

    from flows.reconcile.charts import burn_down_figure, tier_figure
    from flows.reconcile.report_text import TEXT

    tiers = pl.DataFrame(  # the demo's: ticks every 200,000 ran into each other
        {
            "tier": ["property", "standard"],
            "committed": [Decimal("305668.31"), Decimal("1331514.06")],
            "paid": [Decimal("294114.81"), Decimal("1277855.20")],
        }
    )
    assert labels_overlap(tier_figure(tiers, "CNY")) == []
    days = [date(2026, 10, 15), date(2026, 10, 22), date(2026, 10, 29), date(2026, 11, 20)]
    money = [Decimal("2500000.00")] * 4
    burn = pl.DataFrame({"day": days, "available": money, "committed": money, "paid": money})
    assert labels_overlap(burn_down_figure(burn, "CNY", TEXT["en"])) == []


def test_failed_payouts_are_not_told_as_paid(reconciled):
    from flows.reconcile.reports import class_rows

    _, summaries = reconciled
    rows = class_rows(summaries[-1].classes)
    failed = next(r for r in rows if r["item"] == "payout" and r["class"] == "failed")
    assert failed["paid"] is None and failed["not_paid"] > 0
    page = (summaries[-1].reports / "reconciliation.en.html").read_text(encoding="utf-8")
    assert "failed, returned or reversed: not paid" in page
    # in the exceptions too: a failed payout's amount is not under paid
    failed_payouts = [
        r
        for r in report_rows(summaries[-1], "exceptions.csv")
        if (r["item"], r["class"]) == ("payout", "failed")
    ]
    assert failed_payouts and all(r["paid"] == "" and r["not_paid"] for r in failed_payouts)
    txn = failed_payouts[0]["provider_txn_id"]
    row = page[page.index(f'<span class="txn">{txn}</span>') :].split("</tr>")[0]
    assert f"<s>{Decimal(failed_payouts[0]['not_paid']):,.2f}</s> not paid" in row


def test_subtotals_come_under_their_group(reconciled):
    from flows.reconcile.reports import class_rows, summary_rows

    _, summaries = reconciled
    rows = class_rows(summaries[-1].classes)
    kinds = [(r["item"], r["kind"]) for r in rows]
    last_instruction = max(i for i, (item, _) in enumerate(kinds) if item == "instruction")
    assert kinds[last_instruction] == ("instruction", "subtotal")
    assert kinds[last_instruction + 1] == ("payout", "detail")
    assert kinds[-1] == ("payout", "subtotal")
    subtotal = rows[last_instruction]
    details = [r for r in rows if r["item"] == "instruction" and r["kind"] == "detail"]
    assert subtotal["count"] == sum(r["count"] for r in details)
    # the Summary sheet the same way: the subtotal right under its group's rows
    metrics = [r["metric"] for r in summary_rows(summaries[-1])]
    under = max(i for i, m in enumerate(metrics) if m.startswith("instructions: "))
    assert metrics[under + 1] == "all instructions"
    assert metrics[under + 2].startswith("payouts: ")


def test_codes_are_told_in_words(reconciled):
    from flows.nightly import _outcome
    from flows.reconcile.reports import summary_rows
    from flows.reconcile.summary import Alert

    _, summaries = reconciled
    summary = summaries[-1]
    metrics = " ".join(r["metric"] for r in summary_rows(summary))
    for code in ("duplicate_payment", "unknown_ref", "currency_mismatch", "s outstanding"):
        assert code not in metrics
    page = (summary.reports / "reconciliation.en.html").read_text(encoding="utf-8")
    assert "paid twice" in page and ">duplicate_payment<" not in page
    warned = summary.__class__(**{**summary.__dict__, "alerts": [
        Alert("utilisation_high", "warning", "utilisation 95.0% is over 90%")]})  # fmt: skip
    told = _outcome("reconcile", warned)
    assert "utilisation_high" not in told and "the reserve is nearly used up" in told


def test_money_in_another_currency_is_told_apart_never_added(reconciled):
    _, summaries = reconciled
    summary = summaries[-1]
    page = (summary.reports / "reconciliation.html").read_text(encoding="utf-8")
    assert {u.currency for u in summary.unmatched} >= {"CNY", "USD"}
    for u in summary.unmatched:  # each told on the page in its own currency
        assert f"{u.currency} {u.net:,.2f} ({u.payouts} " in page
    rows = report_rows(summary, "summary.csv")
    assert any(r["metric"].endswith(", USD") and r["amount"] == "" for r in rows)
    # nor added in the classes table: what payouts to refs not ours or in another currency
    # moved is told per currency; the payouts' subtotal is what the Paid card shows
    from flows.reconcile.reports import class_rows

    rows = class_rows(summary.classes)
    mismatch = next(r for r in rows if (r["item"], r["class"]) == ("payout", "currency_mismatch"))
    assert mismatch["paid"] is None and mismatch["per_currency"]
    payouts = next(r for r in rows if (r["item"], r["kind"]) == ("payout", "subtotal"))
    assert payouts["paid"] == summary.position.paid


def test_regions_are_merged_by_their_aliases(con):
    for n, region in enumerate(["East", "华东", "North", None]):
        insert_claim(con, f"k{n}", region=region)
        insert_offer(con, f"k{n}")
    db.run(con, "reconcile/instruction_payments", campaign="C", as_of=AS_OF)
    db.run(
        con, "reconcile/reconciliation_items", campaign="C", run_id="r", as_of=date(2026, 10, 15)
    )
    db.run(con, "reconcile/chain_totals", campaign="C")
    rows = db.run(con, "reconcile/by_region", campaign="C", aliases=["East"], regions=["华东"])
    by_region = {r[0]: r[1] for r in rows}
    assert by_region == {"(none)": 1, "North": 1, "华东": 2}


@pytest.mark.parametrize(
    ("aliases", "problem"),
    [
        ('"East" = "East"', "an alias of itself"),
        ('"East" = "华东"\n"Eastern" = "East"', "itself an alias"),
        ('"" = "华东"', "need a name"),
    ],
)
def test_a_region_alias_cannot_point_at_an_alias_or_itself(tmp_path: Path, aliases, problem):
    shipped = Path("config/campaigns/RC-2026-017.toml").read_text(encoding="utf-8")
    shipped = re.sub(r"\[regions\][^\[]*", "", shipped)
    bad = tmp_path / "RC-2026-017.toml"
    bad.write_text(shipped + f"\n[regions.aliases]\n{aliases}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"regions\.aliases: .*{problem}"):
        load_campaign(bad)


def test_the_shipped_demo_config_merges_a_region_alias():
    config = load_campaign(Path("config/campaigns/RC-2026-017.toml"))
    assert config.regions.aliases.get("East") == "华东"


def test_the_report_is_in_the_campaigns_first_language_with_the_other_linked(reconciled):
    _, summaries = reconciled  # the demo campaign: languages = ["zh-CN", "en"]
    folder = summaries[-1].reports
    first = (folder / "reconciliation.html").read_text(encoding="utf-8")
    other = (folder / "reconciliation.en.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in first and "需人工处理" in first and "重复付款" in first
    assert '<a href="reconciliation.en.html" hreflang="en">English</a>' in first
    assert '<html lang="en">' in other and "Needs a person" in other and "需人工处理" not in other
    assert '<a href="reconciliation.html" hreflang="zh-CN">中文</a>' in other


def test_a_burn_down_of_one_day_is_drawn_on_that_day():
    import matplotlib.dates as mdates
    import polars as pl

    from flows.reconcile.charts import burn_down_figure
    from flows.reconcile.report_text import TEXT

    day, money = [date(2026, 10, 15)], [Decimal("2500000.00")]  # the first night's report
    burn = pl.DataFrame({"day": day, "available": money, "committed": money, "paid": money})
    axis = burn_down_figure(burn, "CNY", TEXT["en"]).axes[0]
    low, high = (mdates.num2date(x).date() for x in axis.get_xlim())
    assert (high - low).days <= 2 and low <= day[0] <= high
    assert any(len(line.get_xdata()) == 1 for line in axis.get_lines())  # a marker on the day
    assert [t.get_text() for t in axis.get_xticklabels()] == ["2026-10-15"]  # once


def test_a_holdback_is_released_by_a_withdrawal_and_counted_once_beside_a_supplement(con):
    from flows.reconcile.charts import burn_down

    for run_id, as_of in (("r1", date(2026, 10, 1)), ("r2", date(2026, 10, 4))):
        insert(con, "runs", {"run_id": run_id, "campaign": "C", "flow": "compensate",
                             "as_of": as_of, "status": "completed"})  # fmt: skip
    insert_claim(con, "w", status="withdrawn", run_id="r1")  # withdrawn on day 4 (SPEC §11)
    insert_entitlement(con, "w", "harm", run_id="r1", holdback="5000.00")
    withdrawn = {"campaign": "C", "file_sha256": "f", "line_no": 2, "run_id": "r2",
                 "claim_id": "w", "response": "withdraw", "outcome": "taken"}  # fmt: skip
    insert(con, "responses", withdrawn)
    insert_claim(con, "s", status="offered", run_id="r1")  # offered day 1, a supplement day 4
    insert_entitlement(con, "s", "harm", run_id="r1", holdback="5000.00")
    insert_offer(con, "s")
    insert_offer(con, "s", version=2)
    con.execute("update offers set made_on = case offer_version when 1 then date '2026-10-01' "
                "else date '2026-10-04' end")  # fmt: skip
    [(offered,)] = con.execute("select sum(total) from offers").fetchall()
    burn = burn_down(con, "C", date(2026, 10, 9), Decimal("100000.00"))
    by_day = {r["day"]: r["committed"] for r in burn.rows(named=True)}
    assert by_day[date(2026, 10, 1)] == Decimal("5000.00") + offered / 2  # w held, s's offer
    assert by_day[date(2026, 10, 9)] == offered  # w released, s's two versions


def test_a_lapsed_offer_is_committed_until_the_day_it_lapsed(con):
    from flows.reconcile.charts import burn_down

    insert_claim(con, "l", status="lapsed")  # offered day 1, lapsed day 4 (SPEC §11)
    insert_offer(con, "l")
    con.execute("update offers set made_on = date '2026-10-01'")
    lapsed = {"released_on": date(2026, 10, 4), "reason": "lapsed"}
    insert(con, "offers_released", {"claim_id": "l", "campaign": "C", "run_id": "r2"} | lapsed)
    [(offered,)] = con.execute("select sum(total) from offers").fetchall()
    burn = burn_down(con, "C", date(2026, 10, 9), Decimal("100000.00"))
    by_day = {r["day"]: r["committed"] for r in burn.rows(named=True)}
    assert (by_day[date(2026, 10, 1)], by_day[date(2026, 10, 4)]) == (offered, Decimal("0.00"))
    assert by_day[date(2026, 10, 9)] == Decimal("0.00")


def test_a_failed_payout_is_told_as_failed_not_as_reissued_and_cases_are_counted_once(
    reconciled,
):
    """The payout of an instruction that will not be reissued (unpayable) must not read
    "reissued"; the page counts cases as `recall status` does (an instruction with its payouts
    once, a payout no instruction carries once)."""
    _, summaries = reconciled
    summary = summaries[-1]
    page = (summary.reports / "reconciliation.en.html").read_text(encoding="utf-8")
    rows = report_rows(summary, "exceptions.csv")
    for r in (r for r in rows if (r["item"], r["class"]) == ("payout", "failed")):
        at = page.index(f'<span class="txn">{r["provider_txn_id"]}</span>')
        what = page[page.rindex("<tr>", 0, at) : at].split('<span class="ref">')[0]
        assert "reissued" not in what, what
    instruction_refs = {r["payment_ref"] for r in rows if r["item"] == "instruction"}
    cases = sum(
        1 for r in rows if r["item"] == "instruction" or r["payment_ref"] not in instruction_refs
    )
    assert f"{cases:,} cases need a person" in page
