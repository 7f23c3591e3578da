"""Compensate flow: budget policies, binding offers, re-runs, review decisions, instructions."""

from __future__ import annotations

import csv
from decimal import Decimal

import duckdb
import fastexcel
import pytest

from flows.compensate.flow import BudgetHalt
from flows.shared.budget import add_top_up
from tests.conftest import AS_OF, CAMPAIGN, Workspace, row

DAY_9 = "2026-09-10"


def claim(rid: str, n: int, **changes: str) -> dict[str, str]:
    """A claim worth 150.00 goodwill + 30.00 bonus (price 1000.00, day 9), distinct unit and key."""
    return (
        row(
            source_record_id=rid,
            serial_no=f"K3A{3000 + n:06d}",
            email=f"p{n}@example.cn",
            purchase_price="1000.00",
            claim_date=DAY_9,
        )
        | changes
    )


def offers(space: Workspace) -> dict[str, tuple[str, str, str, str, str | None]]:
    rows = space.query(
        "select c.source_record_id, o.goodwill::varchar, o.bonus::varchar, o.expenses::varchar, "
        "o.total::varchar, o.prorate_factor::varchar from offers o join claims c using (claim_id)"
    )
    return {r[0]: r[1:] for r in rows}


def instructions(space: Workspace) -> list[dict[str, str]]:
    folder = space.paths.out(CAMPAIGN, "instructions")
    found = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            found.extend(csv.DictReader(handle))
    return found


def test_halt_makes_no_offers_and_fails_naming_the_shortfall(workspace: Workspace):
    workspace.configure('policy = "prorate"', 'policy = "halt"')
    workspace.configure('reserve = "2500000.00"', 'reserve = "300.00"')
    workspace.write_csv("a.csv", [claim("A", 1), claim("B", 2)])  # 180.00 + 180.00
    workspace.intake()
    state = workspace.compensate(return_state=True)
    assert state.is_failed()
    with pytest.raises(BudgetHalt, match=r"shortfall of 60\.00"):
        state.result()
    assert offers(workspace) == {}
    assert workspace.query("select status from claims") == [("eligible",), ("eligible",)]
    assert workspace.query(
        "select status, message like '%shortfall of 60.00%' from runs where flow = 'compensate'"
    ) == [("failed", True)]
    assert instructions(workspace) == []


def test_equality_fits(workspace: Workspace):
    workspace.configure('policy = "prorate"', 'policy = "halt"')
    workspace.configure('reserve = "2500000.00"', 'reserve = "360.00"')
    workspace.write_csv("a.csv", [claim("A", 1), claim("B", 2)])
    workspace.intake()
    assert workspace.compensate().offers_made == 2


def test_prorate_scales_goodwill_and_bonus_never_expenses(workspace: Workspace):
    workspace.configure('reserve = "2500000.00"', 'reserve = "300.00"')
    workspace.write_csv(
        "a.csv",
        [
            claim(
                "A", 1, documented_expenses="100.00", expense_type="transport", expense_evidence="1"
            ),
            claim("B", 2),
        ],
    )  # A 150 + 30 + 100 = 280, B 150 + 30 = 180: 460 > 300
    workspace.intake()
    summary = workspace.compensate()
    # f = (300 - 0 - 100) / 360 = 0.5555… → 0.555555; components rounded down
    assert summary.prorate_factor == Decimal("0.555555")
    assert offers(workspace) == {
        "A": ("83.33", "16.66", "100.00", "199.99", "0.555555"),
        "B": ("83.33", "16.66", "0.00", "99.99", "0.555555"),
    }
    assert summary.position.offered <= summary.position.available
    assert summary.offered_in_run == Decimal("299.98") == summary.position.offered
    assert workspace.query(
        "select prorate_factor::varchar from runs where flow = 'compensate'"
    ) == [("0.555555",)]


def test_prorate_halts_when_expenses_alone_do_not_fit(workspace: Workspace):
    workspace.configure('reserve = "2500000.00"', 'reserve = "100.00"')
    workspace.write_csv(
        "a.csv",
        [
            claim(
                "A", 1, documented_expenses="100.00", expense_type="transport", expense_evidence="1"
            )
        ],
    )
    workspace.intake()
    with pytest.raises(BudgetHalt, match=r"shortfall of 180\.00"):
        workspace.compensate()
    assert offers(workspace) == {}


def test_top_up_makes_room_for_a_halted_run(workspace: Workspace):
    workspace.configure('policy = "prorate"', 'policy = "halt"')
    workspace.configure('reserve = "2500000.00"', 'reserve = "100.00"')
    workspace.write_csv("a.csv", [claim("A", 1)])
    workspace.intake()
    with pytest.raises(BudgetHalt):
        workspace.compensate()
    assert add_top_up(workspace.paths, CAMPAIGN, Decimal("80.00"), "board approval", AS_OF) == 1
    summary = workspace.compensate()
    assert summary.offers_made == 1 and summary.position.available == Decimal("180.00")
    assert summary.position.headroom == Decimal("0.00")


def test_rerun_makes_no_second_offer_or_instruction(workspace: Workspace):
    workspace.write_csv("a.csv", [claim("A", 1), claim("B", 2)])
    workspace.intake()
    first = workspace.compensate()
    before = (offers(workspace), instructions(workspace))
    second = workspace.compensate()
    assert (first.offers_made, second.offers_made) == (2, 0)
    assert (offers(workspace), instructions(workspace)) == before
    assert len(list(workspace.paths.out(CAMPAIGN, "instructions").glob("*.csv"))) == 1


def test_changed_tier_rules_apply_only_to_claims_not_yet_offered(workspace: Workspace):
    workspace.write_csv("a.csv", [claim("A", 1)])
    workspace.intake()
    workspace.compensate()
    workspace.configure('goodwill_pct = "0.15"', 'goodwill_pct = "0.20"')
    workspace.write_csv("b.csv", [claim("B", 2)])
    workspace.intake()
    workspace.compensate()
    got = offers(workspace)
    assert got["A"][:2] == ("150.00", "30.00")  # made under 15 %, unchanged
    assert got["B"][:2] == ("200.00", "40.00")  # 20 % of 1000.00


def test_instructions_match_offers_and_payment_refs_are_stable(
    workspace: Workspace, tmp_path, monkeypatch
):
    rows = [claim("A", 1, customer_name='=HYPERLINK("x")'), claim("B", 2, email="", phone="139")]
    workspace.write_csv("a.csv", rows)
    workspace.intake()
    workspace.compensate()
    got = instructions(workspace)
    assert list(got[0]) == ["payment_ref", "claim_id", "payee", "contact", "amount", "currency"]
    assert sum(Decimal(i["amount"]) for i in got) == sum(
        Decimal(o[3]) for o in offers(workspace).values()
    )
    assert {i["payee"] for i in got} == {'\'=HYPERLINK("x")', "Li Wei"}
    assert {i["contact"] for i in got} == {"p1@example.cn", "139"}
    assert {i["currency"] for i in got} == {"CNY"}
    folder = workspace.paths.out(CAMPAIGN, "instructions")
    assert folder.stat().st_mode & 0o777 == 0o700
    assert next(folder.glob("*.csv")).name == f"{AS_OF}-{AS_OF:%Y%m%d}-002.csv"

    from tests.conftest import make_workspace

    again = make_workspace(tmp_path / "again", monkeypatch)  # the same inputs from scratch
    again.write_csv("a.csv", rows)
    again.intake()
    again.compensate()
    assert sorted(i["payment_ref"] for i in instructions(again)) == sorted(
        i["payment_ref"] for i in got
    )


def decide(space: Workspace, rows: list[list[str]], name: str = "d.csv") -> None:
    folder = space.paths.inbox(CAMPAIGN, "reviews")
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["claim_id", "decision", "amount", "reviewer", "note"])
        writer.writerows(rows)


def test_review_decisions(workspace: Workspace):
    workspace.write_csv("a.csv", [claim(r, n, flags="vip") for n, r in enumerate("ABCD")])
    workspace.intake()
    first = workspace.compensate()
    assert first.pending_reviews == 4 and first.offers_made == 0
    assert (workspace.paths.out(CAMPAIGN, "review") / "queue.xlsx").exists()
    with (workspace.paths.out(CAMPAIGN, "review") / "queue.csv").open(encoding="utf-8") as fh:
        queue = list(csv.DictReader(fh))
    assert [(q["reasons"], q["total"], q["holdback"]) for q in queue] == [
        ("flagged vip", "180.00", "180.00")
    ] * 4
    ids = dict(workspace.query("select source_record_id, claim_id from claims"))
    decide(
        workspace,
        [
            [ids["A"], "approve", "", "Wang", ""],
            [ids["B"], "override", "88.00", "Wang", "gesture"],
            [ids["C"], "reject", "", "Wang", "resold"],
            ["nope-0000002", "approve", "", "Wang", ""],
            [ids["A"], "reject", "", "Chen", "second"],
            [ids["D"], "maybe", "", "Chen", ""],
        ],
    )
    second = workspace.compensate()
    assert second.decisions == {
        "accepted": 3,
        "unknown_claim": 1,
        "already_decided": 1,
        "invalid": 1,
    }
    statuses = dict(workspace.query("select source_record_id, status from claims"))
    assert statuses == {"A": "offered", "B": "offered", "C": "rejected", "D": "review"}
    got = offers(workspace)
    assert got["A"][3] == "180.00" and got["B"][3] == "88.00"
    assert second.position.held_back == Decimal("180.00")  # D still pending
    decide(workspace, [[ids["A"], "reject", "", "Chen", "again, in a later file"]], "e.csv")
    assert workspace.compensate().decisions == {"already_decided": 1}


def test_review_queue_workbook_is_rewritten_only_when_the_queue_changes(workspace: Workspace):
    workspace.write_csv("a.csv", [claim(r, n, flags="vip") for n, r in enumerate("AB")])
    workspace.intake()
    workspace.compensate()
    folder = workspace.paths.out(CAMPAIGN, "review")
    workbook = folder / "queue.xlsx"
    first = workbook.stat().st_mtime_ns, workbook.read_bytes()
    workspace.compensate()
    assert (workbook.stat().st_mtime_ns, workbook.read_bytes()) == first
    ids = dict(workspace.query("select source_record_id, claim_id from claims"))
    decide(workspace, [[ids["A"], "approve", "", "Wang", ""]])
    workspace.compensate()
    rows = fastexcel.read_excel(workbook).load_sheet("review queue").to_polars()
    assert rows["source_record_id"].to_list() == ["B"]
    with (folder / "queue.csv").open(encoding="utf-8") as handle:
        assert [r["source_record_id"] for r in csv.DictReader(handle)] == ["B"]


def test_a_review_queue_too_long_for_a_workbook_is_only_csv(workspace: Workspace):
    workspace.configure("workbook_max_rows = 20000", "workbook_max_rows = 1")
    workspace.write_csv("a.csv", [claim(r, n, flags="vip") for n, r in enumerate("AB")])
    workspace.intake()
    workspace.compensate()
    folder = workspace.paths.out(CAMPAIGN, "review")
    assert not (folder / "queue.xlsx").exists()
    with (folder / "queue.csv").open(encoding="utf-8") as handle:
        assert [r["source_record_id"] for r in csv.DictReader(handle)] == ["A", "B"]


def test_decision_line_with_surplus_cells_is_invalid_and_the_rest_apply(workspace: Workspace):
    workspace.write_csv("a.csv", [claim(r, n, flags="vip") for n, r in enumerate("AB")])
    workspace.intake()
    workspace.compensate()
    ids = dict(workspace.query("select source_record_id, claim_id from claims"))
    folder = workspace.paths.inbox(CAMPAIGN, "reviews")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "d.csv").write_text(
        "claim_id,decision,amount,reviewer,note\n"
        f"{ids['A']},approve,,Wang,ok,surplus\n"
        f"{ids['B']},approve,,Wang,ok\n",
        encoding="utf-8",
    )
    assert workspace.compensate().decisions == {"invalid": 1, "accepted": 1}
    lines = workspace.query("select line_no, outcome from review_decisions order by 1")
    assert lines == [(2, "invalid"), (3, "accepted")]
    statuses = dict(workspace.query("select source_record_id, status from claims"))
    assert statuses == {"A": "review", "B": "offered"}


def test_a_claim_entitled_twice_fails_the_run_and_commits_nothing(workspace, monkeypatch):
    """entitlements keeps no key index (sql/schema/0007); the run checks one row per claim."""
    from flows.compensate import flow as module

    def tiers_twice(config, run_id):  # as if two tiers covered one harm
        params = entitlement_params(config, run_id)
        return params | {"tiers": params["tiers"] * 2}

    entitlement_params = module.entitlement_params
    monkeypatch.setattr(module, "entitlement_params", tiers_twice)
    workspace.write_csv("a.csv", [claim("A", 1), claim("B", 2)])
    workspace.intake()
    state = workspace.compensate(return_state=True)
    assert state.is_failed()
    with pytest.raises(module.DoubledEntitlement, match=r"more than one entitlement: .*\(2×\)"):
        state.result()
    assert workspace.query("select count(*) from entitlements") == [(0,)]
    assert offers(workspace) == {}


def test_negative_top_up_below_committed_is_refused(workspace: Workspace):
    from flows.shared.budget import ReserveRefused

    workspace.configure('reserve = "2500000.00"', 'reserve = "300.00"')
    workspace.write_csv("a.csv", [claim("A", 1)])  # 180.00 offered
    workspace.intake()
    workspace.compensate()
    assert add_top_up(workspace.paths, CAMPAIGN, Decimal("-120.00"), "typo fixed", AS_OF) == 1
    with pytest.raises(ReserveRefused, match=r"available 179\.99 .* committed 180\.00"):
        add_top_up(workspace.paths, CAMPAIGN, Decimal("-0.01"), "one cent too far", AS_OF)
    assert workspace.query("select entry_no, amount::varchar from reserve_ledger") == [
        (1, "-120.00")
    ]


def test_sums_of_maximum_amounts_keep_the_reserve_position_and_compensate_working(
    workspace: Workspace,
):
    """Each amount fits DECIMAL(18,2); their sums do not, so they are summed wider."""
    biggest = "9999999999999999.99"
    workspace.configure('reserve = "2500000.00"', f'reserve = "{biggest}"')
    half = "5000000000000000.00"  # two of them: 10,000,000,000,000,000.00 held back
    workspace.configure('injury_holdback = "5000.00"', f'injury_holdback = "{half}"')
    workspace.write_csv("a.csv", [claim(r, n, harm="injury") for n, r in enumerate("AB")])
    workspace.intake()
    con = duckdb.connect(str(workspace.paths.database))
    con.executemany(
        "insert into reserve_ledger values (?, ?, ?, ?, ?)",
        [(CAMPAIGN, n, "1000000000000.00", "top-up", AS_OF) for n in range(1, 3)],
    )
    con.close()
    summary = workspace.compensate()  # two pending injury reviews, each holding `half` back
    assert summary.pending_reviews == 2
    assert summary.position.held_back == Decimal("10000000000000000.00")
    assert summary.position.available == Decimal(biggest) + Decimal("2000000000000.00")


def test_second_compensate_leaves_the_export_unchanged(workspace: Workspace, tmp_path):
    from flows.cli.export import export_claims

    workspace.write_csv("a.csv", [claim(r, n, flags="vip") for n, r in enumerate("AB")])
    workspace.intake()
    workspace.compensate()
    ids = dict(workspace.query("select source_record_id, claim_id from claims"))
    decide(workspace, [[ids["A"], "reject", "", "Wang", "resold"]])
    workspace.compensate()
    export_claims(workspace.paths, CAMPAIGN, tmp_path / "first.csv")
    first = (tmp_path / "first.csv").read_text(encoding="utf-8")
    assert 'rejected,"","",standard,150.00,30.00,0.00,180.00,flag:vip' in first
    for n in range(2):
        workspace.compensate()
        export_claims(workspace.paths, CAMPAIGN, tmp_path / f"again{n}.csv")
        assert (tmp_path / f"again{n}.csv").read_text(encoding="utf-8") == first
