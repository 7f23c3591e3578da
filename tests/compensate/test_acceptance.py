"""`[payments] require_acceptance` (SPEC §11), one rule per test: only accepted offers are paid;
an offer not accepted within `accept_within_days` of its letter gets one reminder, then lapses
and its commitment is released; a lapsed offer is final."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from flows.cli.claim import find_claims
from flows.compensate.flow import compensate
from flows.letters.batches import read_message
from flows.letters.flow import letters
from flows.nightly import _outcome
from flows.shared.settings import Paths
from tests.compensate.test_compensate import claim, instructions
from tests.compensate.test_responses import claim_ids, exported_claims, outcomes, respond
from tests.conftest import AS_OF, CAMPAIGN, Workspace, make_workspace

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
    second = compensate(CAMPAIGN, AS_OF + timedelta(days=2))
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
    compensate(CAMPAIGN, LAPSED)
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
    lapsed = compensate(CAMPAIGN, LAPSED)
    assert lapsed.position.offered == Decimal("0.00")  # committed no more
    # the night says so
    assert lapsed.released == {"lapsed": (1, Decimal("180.00"))}
    assert "1 offers lapsed (180.00 released)" in _outcome("compensate", lapsed)
    # B's 180.00 fits in full only because A's offer was released
    workspace.write_csv("b.csv", [claim("B", 2)])
    workspace.intake(LAPSED + timedelta(days=1))
    after = compensate(CAMPAIGN, LAPSED + timedelta(days=1))
    assert (after.offers_made, after.prorate_factor) == (1, None)
    assert after.position.offered == Decimal("180.00")
    # the offer row stays as made; the release is recorded beside it, once
    assert workspace.query("select count(*), sum(total) from offers") == [(2, Decimal("360.00"))]
    released = workspace.query("select reason, released_on from offers_released")
    assert released == [("lapsed", LAPSED)]


@pytest.fixture(scope="module")
def reminded_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home (and its config) where claim A's offer of 180.00 was reminded."""
    base = tmp_path_factory.mktemp("reminded")
    with pytest.MonkeyPatch.context() as patch:
        reminded(make_workspace(base, patch))
    return base


@pytest.fixture
def at_reminder(reminded_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A copy of reminded_home."""
    shutil.copytree(reminded_home, tmp_path, dirs_exist_ok=True)
    monkeypatch.setenv("RECALL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("RECALL_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RECALL_INBOX_SETTLE_SECONDS", "0")
    return Workspace(Paths.from_env())


def test_a_lapsed_offer_is_final(at_reminder: Workspace):
    workspace = at_reminder
    ref = claim_ids(workspace)["A"]
    compensate(CAMPAIGN, LAPSED)
    respond(workspace, "r.csv", {"claim_id": ref, "response": "accept"})
    late = compensate(CAMPAIGN, LAPSED + timedelta(days=1))
    assert late.responses == {"accept not_fitting": 1}
    assert "lapsed" in outcomes(workspace)[0][3]
    assert instructions(workspace) == []
    assert workspace.query("select status from claims") == [("lapsed",)]


def test_acceptance_after_the_reminder_stops_the_lapse_and_pays(at_reminder: Workspace):
    workspace = at_reminder
    ref = claim_ids(workspace)["A"]
    in_time = str(REMINDED + timedelta(days=DAYS))  # the reminder's date itself
    respond(workspace, "r.csv", {"claim_id": ref, "response": "accept", "received_on": in_time})
    compensate(CAMPAIGN, LAPSED)
    assert workspace.query("select status from claims") == [("offered",)]
    assert [i["claim_id"] for i in instructions(workspace)] == [ref]


def test_offered_claim_can_be_withdrawn_before_its_instruction(workspace: Workspace):
    accepting(workspace)
    workspace.write_csv("a.csv", [claim("A", 1)])
    workspace.intake()
    night(workspace, AS_OF)
    ref = claim_ids(workspace)["A"]
    respond(workspace, "r.csv", {"claim_id": ref, "response": "withdraw"})
    withdrawn = compensate(CAMPAIGN, AS_OF + timedelta(days=1))
    assert withdrawn.responses == {"withdraw taken": 1}
    assert workspace.query("select status from claims") == [("withdrawn",)]
    assert withdrawn.position.offered == Decimal("0.00")
    assert workspace.query("select reason from offers_released") == [("withdrawn",)]
    # an acceptance after the withdrawal pays nothing
    respond(workspace, "r2.csv", {"claim_id": ref, "response": "accept"})
    night(workspace, AS_OF + timedelta(days=2))
    assert instructions(workspace) == []
    assert "withdrawal" in [k for k, _ in letter_kinds(workspace)]


def test_an_acceptance_received_after_its_date_is_refused_though_read_before_the_lapse(
    at_reminder: Workspace,
):
    ref = claim_ids(at_reminder)["A"]
    late = str(LAPSED)  # the reminder's date was the day before
    respond(at_reminder, "r.csv", {"claim_id": ref, "response": "accept", "received_on": late})
    summary = compensate(CAMPAIGN, LAPSED)
    assert summary.responses == {"accept not_fitting": 1}
    reason = outcomes(at_reminder)[0][3]
    accept_by = LAPSED - timedelta(days=1)
    assert reason == (
        f"the acceptance came on {LAPSED}, after the accept-by date {accept_by}: the offer lapsed"
    )
    assert at_reminder.query("select status from claims") == [("lapsed",)]
    assert instructions(at_reminder) == []


def test_an_acceptance_received_in_time_binds_the_lapsed_offer_again(at_reminder: Workspace):
    ref = claim_ids(at_reminder)["A"]
    compensate(CAMPAIGN, LAPSED)  # no answer read yet: the offer lapses
    in_time = str(REMINDED + timedelta(days=2))  # posted in time, read late
    respond(at_reminder, "r.csv", {"claim_id": ref, "response": "accept", "received_on": in_time})
    summary = compensate(CAMPAIGN, LAPSED + timedelta(days=3))
    assert summary.responses == {"accept taken": 1}
    assert summary.position.offered == Decimal("180.00")  # committed again
    assert at_reminder.query("select status from claims") == [("offered",)]
    assert at_reminder.query("select count(*) from offers_released") == [(0,)]
    assert [i["claim_id"] for i in instructions(at_reminder)] == [ref]
