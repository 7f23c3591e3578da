"""`[payments] require_acceptance` (SPEC §11), one rule per test: only accepted offers are paid;
an offer not accepted within `accept_within_days` of its letter gets one reminder, then lapses
and its commitment is released; a lapsed offer is final."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flows.cli.claim import find_claims
from flows.compensate.flow import compensate
from flows.letters.batches import read_message
from flows.letters.flow import letters
from tests.compensate.test_compensate import claim, instructions
from tests.compensate.test_responses import claim_ids, exported_claims, outcomes, respond
from tests.conftest import AS_OF, CAMPAIGN, Workspace

DAYS = 10
REMINDED = AS_OF + timedelta(days=DAYS + 1)  # past the offer letter's accept-by date
LAPSED = REMINDED + timedelta(days=DAYS + 1)  # past the reminder's accept-by date


def accepting(space: Workspace, reserve: str | None = None) -> None:
    space.configure("require_acceptance = false", "require_acceptance = true")
    space.configure("accept_within_days = 30", f"accept_within_days = {DAYS}")
    if reserve:
        space.configure('reserve = "2500000.00"', f'reserve = "{reserve}"')


def night(space: Workspace, as_of: date):  # type: ignore[no-untyped-def]
    """Compensate, then the letters, as a night runs them."""
    summary = compensate(CAMPAIGN, as_of)
    letters(CAMPAIGN, as_of)
    return summary


def reminded(space: Workspace) -> str:
    """One claim offered (180.00) and reminded of its acceptance; its claim id."""
    accepting(space)
    space.write_csv("a.csv", [claim("A", 1)])
    space.intake()
    night(space, AS_OF)
    night(space, REMINDED)
    return claim_ids(space)["A"]


def letter_kinds(space: Workspace) -> list[tuple[str, str]]:
    return space.query("select kind, language from letters order by letter_id")


def test_offer_waits_for_acceptance_before_its_instruction(workspace: Workspace):
    accepting(workspace)
    workspace.write_csv("a.csv", [claim("A", 1), claim("B", 2)])
    workspace.intake()
    first = night(workspace, AS_OF)
    assert first.offers_made == 2
    assert instructions(workspace) == []  # offers made and binding, nothing paid yet
    assert first.position.offered == Decimal("360.00")
    ids = claim_ids(workspace)
    respond(workspace, "r.csv", {"claim_id": ids["A"], "response": "accept"})
    second = night(workspace, AS_OF + timedelta(days=2))
    assert second.responses == {"accept taken": 1}
    assert [(i["claim_id"], i["amount"]) for i in instructions(workspace)] == [(ids["A"], "180.00")]
    # the offer letters asked for the acceptance by a date ([payments] accept_within_days)
    [(path, line, language)] = workspace.query(
        "select path, line, language from letters where claim_id = ? and kind = 'offer'",
        [ids["B"]],
    )
    text = read_message(path, int(line))["text"]
    accept_by = {"zh-CN": "请于 2026年10月25日 前确认接受", "en": "accept this offer by 25 October"}
    assert accept_by[language] in text


def test_unaccepted_offer_gets_one_reminder_then_lapses(workspace: Workspace):
    accepting(workspace)
    workspace.write_csv("a.csv", [claim("A", 1)])
    workspace.intake()
    night(workspace, AS_OF)
    night(workspace, AS_OF + timedelta(days=DAYS))  # the accept-by day itself: no reminder yet
    assert [k for k, _ in letter_kinds(workspace)] == ["offer"]
    night(workspace, REMINDED)
    night(workspace, REMINDED + timedelta(days=1))  # one reminder, not one a night
    assert [k for k, _ in letter_kinds(workspace)] == ["acceptance_reminder", "offer"]
    assert workspace.query("select status from claims") == [("offered",)]
    [waiting] = find_claims(workspace.paths, CAMPAIGN, claim_ids(workspace)["A"])
    assert waiting.next_step().startswith("Waiting for the customer to accept the offer")
    night(workspace, LAPSED)
    assert workspace.query("select status from claims") == [("lapsed",)]
    assert instructions(workspace) == []
    [lapsed] = find_claims(workspace.paths, CAMPAIGN, claim_ids(workspace)["A"])
    assert "lapsed" in lapsed.next_step()
    [exported] = exported_claims(workspace)
    assert (exported["status"], exported["payment_status"]) == ("lapsed", "")


def test_lapsed_offer_releases_commitment(workspace: Workspace):
    accepting(workspace, reserve="300.00")
    workspace.write_csv("a.csv", [claim("A", 1)])  # 180.00 of 300.00
    workspace.intake()
    night(workspace, AS_OF)
    night(workspace, REMINDED)
    lapsed = night(workspace, LAPSED)
    assert lapsed.position.offered == Decimal("0.00")  # committed no more
    # B's 180.00 fits in full only because A's offer was released
    workspace.write_csv("b.csv", [claim("B", 2)])
    workspace.intake(LAPSED + timedelta(days=1))
    after = night(workspace, LAPSED + timedelta(days=1))
    assert (after.offers_made, after.prorate_factor) == (1, None)
    assert after.position.offered == Decimal("180.00")
    # the offer row stays as made; the release is recorded beside it, once
    assert workspace.query("select count(*), sum(total) from offers") == [(2, Decimal("360.00"))]
    released = workspace.query("select reason, released_on from offers_released")
    assert released == [("lapsed", LAPSED)]


def test_a_lapsed_offer_is_final(workspace: Workspace):
    ref = reminded(workspace)
    night(workspace, LAPSED)
    respond(workspace, "r.csv", {"claim_id": ref, "response": "accept"})
    late = night(workspace, LAPSED + timedelta(days=1))
    assert late.responses == {"accept not_fitting": 1}
    assert "lapsed" in outcomes(workspace)[0][3]
    assert instructions(workspace) == []
    assert workspace.query("select status from claims") == [("lapsed",)]


def test_acceptance_after_the_reminder_stops_the_lapse_and_pays(workspace: Workspace):
    ref = reminded(workspace)
    respond(workspace, "r.csv", {"claim_id": ref, "response": "accept"})
    night(workspace, LAPSED)
    assert workspace.query("select status from claims") == [("offered",)]
    assert [i["claim_id"] for i in instructions(workspace)] == [ref]


def test_offered_claim_can_be_withdrawn_before_its_instruction(workspace: Workspace):
    accepting(workspace)
    workspace.write_csv("a.csv", [claim("A", 1)])
    workspace.intake()
    night(workspace, AS_OF)
    ref = claim_ids(workspace)["A"]
    respond(workspace, "r.csv", {"claim_id": ref, "response": "withdraw"})
    withdrawn = night(workspace, AS_OF + timedelta(days=1))
    assert withdrawn.responses == {"withdraw taken": 1}
    assert workspace.query("select status from claims") == [("withdrawn",)]
    assert withdrawn.position.offered == Decimal("0.00")
    assert workspace.query("select reason from offers_released") == [("withdrawn",)]
    # an acceptance after the withdrawal pays nothing
    respond(workspace, "r2.csv", {"claim_id": ref, "response": "accept"})
    night(workspace, AS_OF + timedelta(days=2))
    assert instructions(workspace) == []
    assert "withdrawal" in [k for k, _ in letter_kinds(workspace)]
