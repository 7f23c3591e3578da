"""The effect report's figures (SPEC §12), each on a few rows written here, against what they
come to by hand."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from flows.report.metrics import Parameters, gather, table
from tests.conftest import insert, insert_claim, insert_entitlement

ANNOUNCED = date(2026, 9, 1)
AS_OF = date(2026, 10, 15)


def params(**more: object) -> Parameters:
    return Parameters("C", more.pop("as_of", AS_OF), ANNOUNCED, **more)  # type: ignore[arg-type]


def run_on(con, day: date, run_id: str | None = None) -> str:
    """A completed run of campaign C as of `day` (what dates claims, letters and decisions)."""
    run_id = run_id or f"r{day:%m%d}"
    if not con.execute("select 1 from runs where run_id = ?", [run_id]).fetchall():
        insert(
            con,
            "runs",
            {"run_id": run_id, "campaign": "C", "flow": "f", "as_of": day, "status": "completed"},
        )
    return run_id


def claim(con, claim_id: str, day: date = date(2026, 9, 10), **cells: object) -> None:
    """A claim registered (intake run and claim date) on `day`."""
    insert_claim(con, claim_id, run_id=run_on(con, day), claim_date=day, **cells)


def offer(con, claim_id: str, made_on: date, total: str = "50.00", **cells: object) -> None:
    insert(
        con,
        "offers",
        {
            "claim_id": claim_id,
            "campaign": "C",
            "run_id": "r",
            "offer_version": 1,
            "source": "auto",
            "tier": "standard",
            "goodwill": total,
            "bonus": "0.00",
            "expenses": "0.00",
            "adjustment": "0.00",
            "total": total,
            "expense_notes": "",
            "made_on": made_on,
        }
        | cells,
    )


def paid(con, claim_id: str, instructed_on: date, value_date: date, amount: str = "50.00") -> None:
    """The reconciliation of an instruction paid in full: its row and its payout's."""
    for item, day in (("instruction", instructed_on), ("payout", value_date)):
        insert(
            con,
            "reconciliation_items",
            {
                "campaign": "C",
                "run_id": "rec",
                "as_of": AS_OF,
                "item": item,
                "class": "matched",
                "payment_ref": f"P-{claim_id}",
                "chain_ref": f"P-{claim_id}",
                "claim_id": claim_id,
                "instructed": amount,
                "paid": amount,
                "currency": "CNY",
                "day": day,
            },
        )


def letter(con, claim_id: str, kind: str, day: date, channel: str = "email") -> None:
    insert(
        con,
        "letters",
        {
            "letter_id": f"{claim_id}-{kind}-{day}",
            "campaign": "C",
            "claim_id": claim_id,
            "kind": kind,
            "offer_version": 1,
            "language": "en",
            "channel": channel,
            "run_id": run_on(con, day),
            "path": "x",
            "sha256": "s",
            "template_sha256": "t",
        },
    )


def figures(con, name: str, p: Parameters | None = None, **more: object) -> list[dict]:
    p = p or params()
    gather(con, p)
    return table(con, name, p, **more).rows(named=True)


def by(rows: list[dict], key: str) -> dict:
    return {r[key]: r for r in rows}


def test_completion_rate_counts_units_not_claims(con):
    claim(con, "a", quantity=3)
    offer(con, "a", date(2026, 9, 12))
    paid(con, "a", date(2026, 9, 13), date(2026, 9, 15))
    claim(con, "b", quantity=1)
    claim(con, "c", quantity=2, status="duplicate")  # a unit counted once, by its first claim
    claim(con, "d", quantity=5, status="ineligible")  # not an affected unit
    [campaign] = [
        r for r in figures(con, "reach", params(units_affected=10)) if r["value"] == "all"
    ]
    assert campaign["claims"] == 2
    assert campaign["units_registered"] == 4
    assert campaign["registration_rate"] == pytest.approx(0.4)
    assert campaign["units_remedied"] == 3
    assert campaign["completion_rate"] == pytest.approx(0.3)  # 3 of 10 units, not 1 of 2 claims


def test_units_affected_per_sku_rate_each_sku_and_list_a_sku_nobody_claimed(con):
    claim(con, "a", sku="K3-220", quantity=2)
    claim(con, "b", sku="K3-220", quantity=1)
    p = params(units_affected=120, affected_skus=("K3-220", "K3-110"), affected_units=(100, 20))
    skus = by([r for r in figures(con, "reach", p) if r["dimension"] == "sku"], "value")
    assert skus["K3-220"]["units_affected"] == 100
    assert skus["K3-220"]["registration_rate"] == pytest.approx(0.03)
    assert skus["K3-110"]["units_registered"] == 0
    assert skus["K3-110"]["registration_rate"] == 0


def test_reach_by_region_merges_aliases_and_by_retailer_takes_the_source_pattern(con):
    claim(con, "a", region="East", source_file="jd_2026-09-10.csv")
    claim(con, "b", region="华东", source_file="suning_1.xlsx")
    claim(con, "c", region=None, source_file="mine.csv")
    p = params(
        aliases=("East",),
        regions=("华东",),
        source_names=("jd_online", "suning_stores"),
        source_patterns=("jd_*.csv", "suning_*.xlsx"),
    )
    rows = figures(con, "reach", p)
    regions = {r["value"]: r["claims"] for r in rows if r["dimension"] == "region"}
    retailers = {r["value"]: r["claims"] for r in rows if r["dimension"] == "retailer"}
    assert regions == {"华东": 2, "(none)": 1}
    assert retailers == {"jd_online": 1, "suning_stores": 1, "(no source)": 1}


def test_reply_by_met_excludes_pending_within_date(con):
    for claim_id in "abcd":
        claim(con, claim_id, status="review" if claim_id in "cd" else "offered")
        insert_entitlement(con, claim_id, "harm", run_id=run_on(con, date(2026, 9, 10)))
    for claim_id in "abc":  # reply-by 2026-09-30: ten days after the acknowledgement
        letter(con, claim_id, "acknowledgement", date(2026, 9, 20))
    letter(con, "d", "acknowledgement", date(2026, 10, 10))  # reply-by 10-20, after as-of
    for claim_id, day in (("a", date(2026, 9, 28)), ("b", date(2026, 10, 5))):
        insert(
            con,
            "review_decisions",
            {"campaign": "C", "file_sha256": claim_id, "line_no": 2, "run_id": run_on(con, day)}
            | {"claim_id": claim_id, "decision": "approve", "outcome": "accepted"},
        )
    rows = by(figures(con, "handling", params(reply_within_days=10)), "measure")
    assert rows["reviews decided"]["claims"] == 2
    met = rows["decided by the reply-by date"]
    # a met; b decided late; c still waiting past its date; d waiting, not yet due: left out
    assert (met["claims"], met["of"]) == (1, 3)
    assert met["share"] == pytest.approx(0.3333)
    assert rows["waiting, past the reply-by date"]["claims"] == 1
    assert rows["waiting, within the reply-by date"]["claims"] == 1
    assert rows["overdue now (past the latest reply-by)"]["claims"] == 1


def test_time_to_pay_uses_value_date(con):
    claim(con, "a")
    offer(con, "a", date(2026, 10, 1))
    paid(con, "a", instructed_on=date(2026, 10, 2), value_date=date(2026, 10, 9))
    speed = by(figures(con, "speed"), "wait")
    assert speed["offer to payment"]["median_days"] == 8  # not 1 (instructed), not 14 (as-of)
    spans = {r["days_to_pay"]: r["claims"] for r in figures(con, "time_to_pay")}
    assert spans == {
        "0–7 days": 0,
        "8–14 days": 1,
        "15–30 days": 0,
        "31–60 days": 0,
        "> 60 days": 0,
    }


def test_speed_median_and_p90_of_days_from_announcement_and_to_a_decision(con):
    for n, days in enumerate([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]):
        day = ANNOUNCED + timedelta(days=days)
        claim(con, f"c{n}", day)
        offer(con, f"c{n}", day + timedelta(days=n % 2))  # 0 or 1 day after the claim
    speed = by(figures(con, "speed"), "wait")
    assert speed["announcement to claim"]["claims"] == 10
    assert speed["announcement to claim"]["median_days"] == 11  # (10 + 12) / 2
    assert speed["announcement to claim"]["p90_days"] == pytest.approx(18.2)  # 18 + 0.1·2
    assert speed["claim to offer or decision"]["median_days"] == 0.5


def test_claims_fall_in_the_early_response_band_of_their_day(con):
    for n, days in enumerate([5, 30, 31, 90]):
        claim(con, f"c{n}", ANNOUNCED + timedelta(days=days), quantity=n + 1)
    p = params(band_days=(30, 60), band_rates=("0.20", "0.10"), as_of=date(2026, 12, 31))
    bands = by(figures(con, "claim_days", p), "days_after_announcement")
    assert [b["claims"] for b in bands.values()] == [2, 1, 1]
    assert list(bands) == ["0–30 days", "31–60 days", "> 60 days"]
    assert bands["0–30 days"]["share"] == 0.5
    assert bands["0–30 days"]["units"] == 3
    assert bands["31–60 days"]["bonus_rate"] == pytest.approx(0.1)


def test_progress_is_cumulative_per_week_from_the_announcement(con):
    claim(con, "a", date(2026, 9, 3), quantity=2)
    claim(con, "b", date(2026, 9, 10), harm="injury")
    letter(con, "a", "offer", date(2026, 9, 4), channel="sms")
    letter(con, "a", "offer_reminder", date(2026, 9, 12), channel="post")  # told once
    letter(con, "b", "acknowledgement", date(2026, 9, 11), channel="post")
    rows = figures(con, "progress", params(as_of=date(2026, 9, 20), units_affected=10))
    assert [r["period"] for r in rows] == ["week 1", "week 2", "week 3"]
    assert [r["period_end"] for r in rows][-1] == date(2026, 9, 20)  # up to as-of only
    assert [r["units_registered"] for r in rows] == [2, 3, 3]
    assert [r["injuries_reported"] for r in rows] == [0, 1, 1]
    assert [(r["notified_sms"], r["notified_post"]) for r in rows] == [(1, 0), (1, 1), (1, 1)]
    assert [r["customers_notified"] for r in rows] == [1, 2, 2]


def test_progress_by_month_has_a_row_per_calendar_month(con):
    claim(con, "a", date(2026, 9, 3))
    offer(con, "a", date(2026, 9, 5))
    paid(con, "a", date(2026, 9, 6), date(2026, 10, 2))
    rows = figures(con, "progress", params(period="month", units_affected=4))
    assert [(r["period"], r["period_start"], r["period_end"]) for r in rows] == [
        ("2026-09", date(2026, 9, 1), date(2026, 9, 30)),
        ("2026-10", date(2026, 10, 1), AS_OF),
    ]
    assert [r["completion_rate"] for r in rows] == [0, 0.25]


def test_compensation_per_unit_by_tier_is_exact_to_the_cent(con):
    claim(con, "a", quantity=2)
    offer(con, "a", date(2026, 9, 12), total="100.00")
    claim(con, "b", quantity=1)
    offer(con, "b", date(2026, 9, 12), total="100.01")
    claim(con, "c", quantity=1)
    offer(con, "c", date(2026, 9, 12), total="900.00", tier="property")
    tiers = by(figures(con, "by_tier"), "tier")
    assert str(tiers["standard"]["offered_per_unit"]) == "66.67"  # 200.01 / 3 = 66.67
    assert tiers["standard"]["units"] == 3
    assert str(tiers["property"]["offered_per_unit"]) == "900.00"


def test_outcome_counts_offers_accepted_and_paid(con):
    for claim_id in "abc":
        claim(con, claim_id)
        offer(con, claim_id, date(2026, 9, 12))
    paid(con, "a", date(2026, 9, 13), date(2026, 9, 15))
    insert(
        con,
        "responses",
        {"campaign": "C", "file_sha256": "f", "line_no": 2, "run_id": "r", "claim_id": "b"}
        | {"response": "accept", "received_on": date(2026, 9, 14), "outcome": "taken"},
    )
    rows = by(figures(con, "outcome"), "measure")
    assert (rows["offers made"]["claims"], str(rows["offers made"]["amount"])) == (3, "150.00")
    assert rows["offers accepted"]["claims"] == 1
    assert rows["offers paid"]["share_of_offers"] == pytest.approx(0.3333)
    assert str(rows["offers paid"]["amount"]) == "50.00"


def test_deficiencies_cured_are_counted_of_the_letters_sent(con):
    for n, cured in enumerate([None, "claim-9"]):
        insert(
            con,
            "quarantine",
            {"campaign": "C", "run_id": "r", "file_sha256": "f", "source_file": "a.csv"}
            | {"line_no": n + 2, "ingest_seq": 1, "reasons": "purchase_date", "raw": "{}"}
            | {"claim_id": f"q{n}", "cured_by": cured},
        )
        letter(con, f"q{n}", "deficiency", date(2026, 9, 12))
    rows = by(figures(con, "handling"), "measure")
    assert rows["deficiency letters sent"]["claims"] == 2
    cured_row = rows["deficiencies cured"]
    assert (cured_row["claims"], cured_row["of"], cured_row["share"]) == (1, 2, 0.5)


def test_disputes_and_appeals_are_counted_by_outcome(con):
    for claim_id, kind in (("a", "dispute"), ("b", "dispute"), ("c", "appeal")):
        insert(
            con,
            "disputes",
            {"claim_id": claim_id, "campaign": "C", "kind": kind, "opened_on": date(2026, 9, 20)}
            | {"run_id": "r", "file_sha256": "f", "line_no": 2},
        )
    insert(
        con,
        "review_decisions",
        {"campaign": "C", "file_sha256": "d", "line_no": 2, "run_id": run_on(con, AS_OF)}
        | {"claim_id": "a", "decision": "approve", "outcome": "accepted", "dispute": True},
    )
    rows = {(r["kind"], r["outcome"]): r["claims"] for r in figures(con, "disputes")}
    assert rows == {("appeal", "pending"): 1, ("dispute", "approve"): 1, ("dispute", "pending"): 1}


def test_expenses_reimbursed_and_not_by_type_and_why(con):
    claim(con, "a", documented_expenses="80.00", expense_type="transport")
    insert_entitlement(con, "a", expense_notes="expense_no_evidence")
    offer(con, "a", date(2026, 9, 12))
    claim(con, "b", documented_expenses="30.00", expense_type="transport")
    insert_entitlement(con, "b")
    offer(con, "b", date(2026, 9, 12), expenses="30.00")
    claim(con, "c", documented_expenses="500.00", expense_type="legal")
    insert_entitlement(con, "c", expense_notes="expense_excluded:legal")
    rows = by(figures(con, "expenses"), "expense_type")
    transport = rows["transport"]
    assert (transport["claims"], str(transport["documented"])) == (2, "110.00")
    assert (str(transport["reimbursed"]), str(transport["not_reimbursed"])) == ("30.00", "80.00")
    assert transport["claims_no_receipt"] == 1
    assert (rows["legal"]["claims_excluded"], str(rows["legal"]["reimbursed"])) == (1, "0.00")


def test_pro_rata_factors_used_count_first_offers(con):
    for claim_id, factor in (("a", None), ("b", "0.800000"), ("c", "0.800000")):
        claim(con, claim_id)
        offer(con, claim_id, date(2026, 9, 12), prorate_factor=factor)
    rows = {r["prorate_factor"]: r["offers"] for r in figures(con, "prorate")}
    assert rows == {1.0: 1, 0.8: 2}


def test_satisfaction_counts_answers_to_follow_ups_by_region(con):
    for n, (region, score) in enumerate([("East", 5), ("华东", 3), ("North", None)]):
        claim(con, f"c{n}", region=region)
        offer(con, f"c{n}", date(2026, 9, 12))
        paid(con, f"c{n}", date(2026, 9, 13), date(2026, 9, 15))
        letter(con, f"c{n}", "payment_follow_up", date(2026, 9, 29), channel="sms")
        if score:
            insert(
                con,
                "responses",
                {"campaign": "C", "file_sha256": "f", "line_no": n, "run_id": "r"}
                | {"claim_id": f"c{n}", "response": "rating", "score": score}
                | {"received_on": date(2026, 10, 1), "outcome": "taken"},
            )
    p = params(aliases=("East", "North"), regions=("华东", "华北"))
    rows = {(r["dimension"], r["value"]): r for r in figures(con, "satisfaction", p)}
    east = rows[("region", "华东")]
    assert (east["follow_ups"], east["answered"], east["average_score"]) == (2, 2, 4.0)
    everyone = rows[("campaign", "all")]
    assert (everyone["answered"], everyone["follow_ups"]) == (2, 3)
    assert everyone["answered_share"] == pytest.approx(0.6667)
    assert (everyone["score_3"], everyone["score_5"], everyone["score_1"]) == (1, 1, 0)


def test_figures_count_nothing_after_the_as_of(con):
    claim(con, "a", date(2026, 9, 10))
    claim(con, "b", date(2026, 10, 20))  # registered after the report's day
    offer(con, "a", date(2026, 10, 20))
    rows = figures(con, "reach", params(units_affected=10))
    assert by(rows, "value")["all"]["claims"] == 1
    assert by(figures(con, "outcome"), "measure")["offers made"]["claims"] == 0


def test_an_empty_campaign_gives_every_table_without_failing(con):
    from flows.report.metrics import tables

    frames = tables(con, params(units_affected=10, band_days=(30,), band_rates=("0.2",)))
    assert all(isinstance(f, pl.DataFrame) for f in frames.values())
    assert by(frames["Reach"].rows(named=True), "value")["all"]["units_affected"] == 10


def test_without_units_affected_the_rates_are_left_empty_not_made_up(con):
    claim(con, "a", quantity=2)
    [campaign] = [r for r in figures(con, "reach") if r["dimension"] == "campaign"]
    assert (campaign["units_registered"], campaign["units_affected"]) == (2, None)
    assert campaign["registration_rate"] is None and campaign["completion_rate"] is None
    [week] = figures(con, "progress", params(as_of=date(2026, 9, 7)))
    assert (week["units_registered"], week["completion_rate"]) == (0, None)


def test_money_paid_counts_only_payments_valued_by_the_as_of(con):
    claim(con, "a")
    offer(con, "a", date(2026, 10, 1))
    # reconciled later (its instruction dated before the as-of, its payment after it)
    paid(con, "a", instructed_on=date(2026, 10, 2), value_date=date(2026, 10, 20))
    rows = by(figures(con, "outcome"), "measure")
    assert (rows["offers paid"]["claims"], str(rows["offers paid"]["amount"])) == (0, "0.00")
    assert str(by(figures(con, "by_tier"), "tier")["standard"]["paid"]) == "0.00"


def test_a_review_decided_after_the_as_of_was_still_waiting_on_it(con):
    claim(con, "a", status="offered")
    insert_entitlement(con, "a", "harm", run_id=run_on(con, date(2026, 9, 10)))
    letter(con, "a", "acknowledgement", date(2026, 9, 20))  # reply-by 09-30
    insert(
        con,
        "review_decisions",
        {"campaign": "C", "file_sha256": "a", "line_no": 2, "run_id": run_on(con, AS_OF)}
        | {"claim_id": "a", "decision": "approve", "outcome": "accepted"},
    )
    p = params(reply_within_days=10, as_of=date(2026, 10, 1))
    rows = by(figures(con, "handling", p), "measure")
    assert rows["reviews decided"]["claims"] == 0
    assert rows["waiting, past the reply-by date"]["claims"] == 1
    assert (
        rows["decided by the reply-by date"]["claims"],
        rows["decided by the reply-by date"]["of"],
    ) == (0, 1)
