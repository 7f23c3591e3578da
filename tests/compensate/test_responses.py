"""Customer responses (SPEC §11), one rule per test: each line recorded with its outcome,
withdrawals, and receipts after an offer paid as a supplementary offer within the budget."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest

from flows.cli.export import export_claims
from flows.compensate.flow import BudgetHalt
from tests.compensate.test_compensate import claim, instructions
from tests.conftest import CAMPAIGN, Workspace

LATER = date(2026, 10, 20)
COLUMNS = ["claim_id", "response", "amount", "evidence", "score", "note", "received_on"]


def respond(space: Workspace, name: str, *lines: dict[str, str]) -> None:
    folder = space.paths.inbox(CAMPAIGN, "responses")
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(lines)


def claim_ids(space: Workspace) -> dict[str, str]:
    return dict(space.query("select source_record_id, claim_id from claims"))


def outcomes(space: Workspace) -> list[tuple]:
    return space.query(
        "select line_no, response, outcome, reason from responses order by file_sha256, line_no"
    )


def exported_claims(space: Workspace) -> list[dict[str, str]]:
    """The rows of `recall export claims`."""
    out = space.paths.home / "claims.csv"
    export_claims(space.paths, CAMPAIGN, out)
    with out.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def without_receipt(rid: str, n: int, documented: str = "80.00") -> dict[str, str]:
    """A claim of 180.00 (goodwill + bonus) whose transport costs wait for a receipt."""
    return claim(
        rid, n, documented_expenses=documented, expense_type="transport", expense_evidence="no"
    )


def test_evidence_after_offer_pays_supplement_within_budget(workspace: Workspace):
    workspace.write_csv("a.csv", [without_receipt("A", 1)])
    workspace.intake()
    workspace.compensate()
    ref = claim_ids(workspace)["A"]
    respond(workspace, "r.csv", {"claim_id": ref, "response": "evidence", "amount": "80.00"})
    summary = workspace.compensate(LATER)
    assert summary.responses == {"evidence taken": 1}
    offers = workspace.query(
        "select offer_version, source, expenses, total from offers order by offer_version"
    )
    assert offers == [
        (1, "auto", Decimal("0.00"), Decimal("180.00")),
        (2, "evidence", Decimal("80.00"), Decimal("80.00")),
    ]
    paid = [(i["claim_id"], i["amount"]) for i in instructions(workspace)]
    assert paid == [(ref, "180.00"), (ref, "80.00")]
    assert summary.offered_in_run == Decimal("80.00")
    # a second run makes no second supplement
    assert workspace.compensate(LATER).offers_made == 0
    # the claim's export row and lookup add the versions up
    [exported] = exported_claims(workspace)
    assert (exported["expenses"], exported["total"]) == ("80.00", "260.00")


def test_evidence_is_capped_as_the_first_offer_would_have_been(workspace: Workspace):
    workspace.write_csv("a.csv", [without_receipt("A", 1, documented="500.00")])
    workspace.intake()
    workspace.compensate()
    ref = claim_ids(workspace)["A"]
    respond(workspace, "r.csv", {"claim_id": ref, "response": "evidence"})  # the claim's 500.00
    workspace.compensate(LATER)
    assert workspace.query("select total from offers where offer_version = 2") == [
        (Decimal("200.00"),)  # the standard tier's expense cap
    ]


def test_evidence_halts_with_the_new_offers_when_the_budget_is_short(workspace: Workspace):
    workspace.configure('policy = "prorate"', 'policy = "halt"')
    workspace.configure('reserve = "2500000.00"', 'reserve = "200.00"')
    workspace.write_csv("a.csv", [without_receipt("A", 1)])
    workspace.intake()
    workspace.compensate()
    respond(workspace, "r.csv", {"claim_id": claim_ids(workspace)["A"], "response": "evidence"})
    state = workspace.compensate(LATER, return_state=True)
    with pytest.raises(BudgetHalt, match=r"shortfall of 60\.00"):
        state.result()
    assert workspace.query("select count(*) from offers") == [(1,)]


def test_evidence_supplement_is_never_prorated(workspace: Workspace):
    workspace.configure('reserve = "2500000.00"', 'reserve = "300.00"')
    workspace.write_csv("a.csv", [without_receipt("A", 1)])
    workspace.intake()
    workspace.compensate()  # 180.00 of 300.00
    respond(workspace, "r.csv", {"claim_id": claim_ids(workspace)["A"], "response": "evidence"})
    workspace.write_csv("b.csv", [claim("B", 2)])  # 180.00 more: prorated to fit
    workspace.intake(LATER)
    summary = workspace.compensate(LATER)
    supplement = workspace.query("select total from offers where source = 'evidence'")
    assert supplement == [(Decimal("80.00"),)]  # expenses are never reduced
    assert summary.prorate_factor is not None  # B's goodwill and bonus were scaled instead
    assert summary.position.committed <= summary.position.available


def test_evidence_for_an_offer_that_waited_for_no_receipt_is_not_fitting(workspace: Workspace):
    workspace.write_csv("a.csv", [claim("A", 1)])
    workspace.intake()
    workspace.compensate()
    respond(workspace, "r.csv", {"claim_id": claim_ids(workspace)["A"], "response": "evidence"})
    summary = workspace.compensate(LATER)
    assert summary.responses == {"evidence not_fitting": 1}
    assert outcomes(workspace)[0][3] == "the offer waited for no receipt"
    assert summary.offers_made == 0


def test_withdrawn_review_releases_holdback(workspace: Workspace):
    workspace.write_csv("a.csv", [claim("A", 1, harm="injury")])
    workspace.intake()
    before = workspace.compensate()
    assert before.position.held_back == Decimal("5000.00")
    ref = claim_ids(workspace)["A"]
    respond(workspace, "r.csv", {"claim_id": ref, "response": "withdraw"})
    after = workspace.compensate(LATER)
    assert after.position.held_back == Decimal("0.00") and after.pending_reviews == 0
    assert workspace.query("select status from claims") == [("withdrawn",)]
    # a decision arriving after the withdrawal makes no offer
    folder = workspace.paths.inbox(CAMPAIGN, "reviews")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "d.csv").write_text(f"claim_id,decision,reviewer\n{ref},approve,Wang\n")
    assert workspace.compensate(LATER).offers_made == 0
    # its entitlement stays, so the burn-down still shows the holdback held, then released
    assert workspace.query("select holdback from entitlements") == [(Decimal("5000.00"),)]


def test_offered_claim_cannot_be_withdrawn_after_its_instruction(workspace: Workspace):
    workspace.write_csv("a.csv", [claim("A", 1)])
    workspace.intake()
    workspace.compensate()
    respond(workspace, "r.csv", {"claim_id": claim_ids(workspace)["A"], "response": "withdraw"})
    summary = workspace.compensate(LATER)
    assert summary.responses == {"withdraw not_fitting": 1}
    assert "cannot be withdrawn" in summary.response_problems[0]
    assert workspace.query("select status from claims") == [("offered",)]


def test_response_lines_that_do_not_count_are_named_and_change_nothing(workspace: Workspace):
    workspace.write_csv("a.csv", [claim("A", 1)])
    workspace.intake()
    workspace.compensate()
    ref = claim_ids(workspace)["A"]
    respond(
        workspace,
        "r.csv",
        {"claim_id": "nope", "response": "accept"},
        {"claim_id": ref, "response": "thanks"},
        {"claim_id": ref, "response": "rating", "score": "6"},
        {"claim_id": ref, "response": "accept", "received_on": "2026-10-21"},
        {"claim_id": ref, "response": "accept"},
        {"claim_id": ref, "response": "accept"},
        {"claim_id": ref, "response": "rating", "score": "4", "note": "fast"},
    )
    summary = workspace.compensate(LATER)
    assert [(line, outcome) for line, _, outcome, _ in outcomes(workspace)] == [
        (2, "unknown_claim"),
        (3, "invalid"),
        (4, "invalid"),
        (5, "invalid"),  # received after the run's as-of date
        (6, "taken"),
        (7, "repeated"),
        (8, "taken"),
    ]
    assert summary.response_problems[0] == (
        "responses/r.csv line 2: unknown_claim: no such claim in the campaign"
    )
    assert "score from 1 to 5" in summary.response_problems[2]
    ratings = "select score, note from responses where outcome = 'taken' and score is not null"
    assert workspace.query(ratings) == [(4, "fast")]
    assert summary.offers_made == 0


def decide(space: Workspace, name: str, *lines: tuple[str, str, str]) -> None:
    folder = space.paths.inbox(CAMPAIGN, "reviews")
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["claim_id", "decision", "amount", "reviewer"])
        writer.writerows([[*line, "Wang"] for line in lines])


def disputed(space: Workspace, **changes: str) -> str:
    """An offered claim of 180.00 whose customer disputed it on LATER: its claim id."""
    space.write_csv("a.csv", [claim("A", 1, **changes)])
    space.intake()
    space.compensate()
    ref = claim_ids(space)["A"]
    respond(space, "r.csv", {"claim_id": ref, "response": "dispute", "note": "too little"})
    summary = space.compensate(LATER)
    assert summary.responses == {"dispute taken": 1}
    return ref


DECIDED = date(2026, 10, 25)


def test_dispute_override_below_offer_is_refused(workspace: Workspace):
    ref = disputed(workspace)
    decide(workspace, "d.csv", (ref, "override", "150.00"))
    summary = workspace.compensate(DECIDED)
    assert summary.decisions == {"invalid": 1}
    assert "not above the binding offer 180.00" in summary.decision_problems[0]
    assert workspace.query("select count(*) from offers") == [(1,)]
    # the dispute is still open: a corrected line is taken
    decide(workspace, "d2.csv", (ref, "override", "250.00"))
    assert workspace.compensate(DECIDED).decisions == {"accepted": 1}


def test_dispute_override_above_offer_pays_the_difference(workspace: Workspace):
    ref = disputed(workspace)
    decide(workspace, "d.csv", (ref, "override", "250.00"))
    summary = workspace.compensate(DECIDED)
    assert summary.offers_made == 1 and summary.offered_in_run == Decimal("70.00")
    versions = workspace.query("select offer_version, source, total from offers order by 1")
    assert versions == [(1, "auto", Decimal("180.00")), (2, "dispute", Decimal("70.00"))]
    paid = [(i["claim_id"], i["amount"]) for i in instructions(workspace)]
    assert paid == [(ref, "180.00"), (ref, "70.00")]


def test_dispute_approve_upholds_the_offer_and_closes_the_dispute(workspace: Workspace):
    ref = disputed(workspace)
    decide(workspace, "d.csv", (ref, "approve", ""))
    summary = workspace.compensate(DECIDED)
    assert summary.decisions == {"accepted": 1} and summary.offers_made == 0
    decide(workspace, "d2.csv", (ref, "override", "900.00"))
    assert workspace.compensate(DECIDED).decisions == {"not_in_review": 1}


def test_appeal_override_makes_a_first_offer(workspace: Workspace):
    ref = disputed_appeal(workspace)
    decide(workspace, "d.csv", (ref, "override", "120.00"))
    summary = workspace.compensate(DECIDED)
    assert summary.offers_made == 1
    assert workspace.query("select offer_version, source, tier, total from offers") == [
        (1, "appeal", "standard", Decimal("120.00"))
    ]
    assert workspace.query("select status from claims") == [("offered",)]
    assert [i["amount"] for i in instructions(workspace)] == ["120.00"]


def test_appeal_is_granted_by_override_not_approve(workspace: Workspace):
    ref = disputed_appeal(workspace)
    decide(workspace, "d.csv", (ref, "approve", ""))
    summary = workspace.compensate(DECIDED)
    assert summary.decisions == {"invalid": 1}
    assert "granted by override" in summary.decision_problems[0]


def disputed_appeal(space: Workspace) -> str:
    space.write_csv("a.csv", [claim("A", 1, sku="K2-220")])  # not an affected model
    space.intake()
    space.compensate()
    ref = claim_ids(space)["A"]
    respond(space, "r.csv", {"claim_id": ref, "response": "dispute"})
    space.compensate(LATER)
    assert space.query("select kind from disputes") == [("appeal",)]
    return ref


def test_dispute_after_the_window_is_not_fitting(workspace: Workspace):
    workspace.write_csv("a.csv", [claim("A", 1)])
    workspace.intake()
    workspace.compensate()  # offered on 2026-10-15; no letter yet: the window runs from then
    ref = claim_ids(workspace)["A"]
    respond(workspace, "r.csv", {"claim_id": ref, "response": "dispute"})
    summary = workspace.compensate(date(2026, 11, 15))  # 31 days later
    assert summary.responses == {"dispute not_fitting": 1}
    assert "after 2026-11-14" in summary.response_problems[0]
    assert workspace.query("select count(*) from disputes") == [(0,)]


def test_a_claim_is_disputed_once(workspace: Workspace):
    ref = disputed(workspace)
    respond(workspace, "r2.csv", {"claim_id": ref, "response": "dispute"})
    assert workspace.compensate(LATER).responses == {"dispute repeated": 1}


def test_export_names_the_dispute_among_review_reasons_and_the_withdrawn_state(
    workspace: Workspace,
):
    ref = disputed(workspace)
    workspace.write_csv("b.csv", [claim("B", 2, harm="injury")])
    workspace.intake(LATER)
    workspace.compensate(LATER)
    other = claim_ids(workspace)["B"]
    respond(workspace, "w.csv", {"claim_id": other, "response": "withdraw"})
    workspace.compensate(DECIDED)
    out = workspace.paths.home / "claims.csv"
    export_claims(workspace.paths, CAMPAIGN, out)
    with out.open(encoding="utf-8") as handle:
        rows = {r["claim_id"]: r for r in csv.DictReader(handle)}
    assert rows[ref]["review_reasons"] == "dispute"
    assert rows[other]["status"] == "withdrawn"
