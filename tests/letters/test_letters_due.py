"""sql/letters/letters_due.sql (SPEC §6), on the statement alone: which letters are due, one per
(claim, kind, offer version), and the channel each goes by."""

from __future__ import annotations

from datetime import date

from flows.shared import db
from flows.shared.config_rules import CURABLE_DEFAULT
from tests.conftest import (
    insert,
    insert_claim,
    insert_entitlement,
    insert_instruction,
    insert_offer,
    insert_payout,
)

NO_CONTACT = {"email": None, "phone": None, "postal_address": None}
PARAMS = {
    "campaign": "C",
    "as_of": date(2026, 10, 15),
    "curable": list(CURABLE_DEFAULT),
    "cure_within_days": 30,
    "claim_deadline": date(2027, 3, 1),
    "follow_up_days": 14,
    "reply_within_days": 10,
    "require_acceptance": False,
    "accept_within_days": 30,
}


def due(con) -> dict[str, tuple[str, str | None]]:
    """letter_id → (channel, contact) of each letter due."""
    cursor = con.execute(db.sql_text("letters/letters_due"), PARAMS)
    names = [column[0] for column in cursor.description]
    letters = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {letter["letter_id"]: (letter["channel"], letter["contact"]) for letter in letters}


def contact(con, claim_id: str, **cells: object) -> None:
    """An offered claim with the contact cells given (none else), and its offer."""
    insert_claim(con, claim_id, status="offered", **NO_CONTACT | cells)
    insert_offer(con, claim_id)


def test_the_preferred_channel_is_taken_when_the_claim_has_its_contact(con):
    contact(con, "p", email="p@x.cn", phone="138", postal_address="1 Road", preferred_channel="sms")
    assert due(con) == {"p-offer-v1": ("sms", "138")}


def test_a_preferred_channel_without_its_contact_falls_back_to_email_post_sms(con):
    contact(con, "post_missing", email="a@x.cn", preferred_channel="post")
    assert due(con) == {"post_missing-offer-v1": ("email", "a@x.cn")}


def test_without_a_preference_email_then_post_then_sms(con):
    contact(con, "all", email="a@x.cn", phone="138", postal_address="1 Road")
    contact(con, "post", phone="139", postal_address="2 Road")
    contact(con, "sms", phone="137")
    assert due(con) == {
        "all-offer-v1": ("email", "a@x.cn"),
        "post-offer-v1": ("post", None),  # a post letter's address travels apart
        "sms-offer-v1": ("sms", "137"),
    }


def test_each_state_gets_its_kind_of_letter_and_open_claims_none(con):
    for claim_id, status in (
        ("offered", "offered"),
        ("review", "review"),
        ("ineligible", "ineligible"),
        ("rejected", "rejected"),
        ("eligible", "eligible"),
        ("duplicate", "duplicate"),
    ):
        insert_claim(con, claim_id, status=status, email="a@x.cn")
    insert_offer(con, "offered")
    assert sorted(due(con)) == [
        "ineligible-rejection-v1",
        "offered-offer-v1",
        "rejected-rejection-v1",
        "review-acknowledgement-v1",
    ]


def test_a_letter_written_is_not_due_again_a_supplement_is(con):
    insert_claim(con, "c", status="offered", email="a@x.cn")
    insert_offer(con, "c")  # its letter is written
    insert_offer(con, "c", version=2)  # a supplementary offer (SPEC §11): a letter of its own
    insert(
        con,
        "letters",
        {
            "letter_id": "c-offer-v1",
            "campaign": "C",
            "claim_id": "c",
            "kind": "offer",
            "offer_version": 1,
            "language": "en",
            "channel": "email",
            "run_id": "r1",
            "path": "email/batch-0001.jsonl",
            "sha256": "s",
            "template_sha256": "t",
        },
    )
    assert sorted(due(con)) == ["c-supplementary_offer-v2"]


def quarantined(con, line: int, reasons: str, **cells: object) -> str:
    """A quarantined row of campaign C with an email, as intake keeps it: its reference."""
    reference = f"abcdefabcdef-{line:07d}"
    row = {
        "campaign": "C",
        "run_id": "r",
        "file_sha256": "ab" * 32,
        "source_file": "a.csv",
        "line_no": line,
        "ingest_seq": 1,
        "reasons": reasons,
        "raw": "{}",
        "claim_id": reference,
        "customer_name": "Li Wei",
        "email": "li@x.cn",
        "language": "en",
        "claim_date": date(2026, 9, 5),
    }
    insert(con, "quarantine", row | cells)
    return reference


def test_a_quarantined_row_whose_reasons_are_all_curable_gets_a_deficiency_letter(con):
    ref = quarantined(con, 2, "bad_date:purchase_date;missing_field:serial_no")
    assert due(con) == {f"{ref}-deficiency-v1": ("email", "li@x.cn")}


def test_no_deficiency_letter_for_a_reason_that_is_not_curable(con):
    quarantined(con, 2, "future_date:claim_date")  # an as-of mistake: requeue, not a letter
    quarantined(con, 3, "bad_date:purchase_date;missing_field:customer_name")
    quarantined(con, 4, "bad_value:field_count")
    assert due(con) == {}


def test_no_deficiency_letter_for_a_cured_row_or_one_without_contact_details(con):
    quarantined(con, 2, "bad_date:purchase_date", cured_by="x")
    quarantined(con, 3, "bad_date:purchase_date", customer_name=None)  # read before this version
    assert due(con) == {}


def test_the_cure_deadline_is_the_claim_deadline_when_it_comes_first(con):
    ref = quarantined(con, 2, "bad_value:quantity")
    params = PARAMS | {"claim_deadline": date(2026, 10, 31)}
    cursor = con.execute(db.sql_text("letters/letters_due"), params)
    names = [column[0] for column in cursor.description]
    [letter] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert (letter["claim_id"], letter["cure_by"]) == (ref, date(2026, 10, 31))
    cursor = con.execute(db.sql_text("letters/letters_due"), PARAMS)
    [row] = cursor.fetchall()
    assert dict(zip([c[0] for c in cursor.description], row, strict=True))["cure_by"] == date(
        2026, 11, 14
    )


def test_a_withdrawn_claim_gets_a_withdrawal_letter(con):
    insert_claim(con, "w", status="withdrawn", email="w@x.cn")
    assert due(con) == {"w-withdrawal-v1": ("email", "w@x.cn")}


def dispute(con, claim_id: str, kind: str) -> None:
    insert(
        con,
        "disputes",
        {
            "claim_id": claim_id,
            "campaign": "C",
            "kind": kind,
            "opened_on": date(2026, 10, 20),
            "run_id": "r",
            "file_sha256": "f",
            "line_no": 2,
        },
    )


def test_a_dispute_under_review_is_acknowledged_and_its_outcome_told(con):
    insert_claim(con, "d", status="offered", email="d@x.cn")
    insert_offer(con, "d")
    dispute(con, "d", "dispute")
    assert sorted(due(con)) == ["d-acknowledgement-v2", "d-offer-v1"]
    insert(
        con,
        "review_decisions",
        {
            "campaign": "C",
            "file_sha256": "g",
            "line_no": 2,
            "run_id": "r",
            "claim_id": "d",
            "decision": "approve",
            "reviewer": "W",
            "outcome": "accepted",
            "dispute": True,
        },
    )
    assert sorted(due(con)) == ["d-dispute_outcome-v1", "d-offer-v1"]


def test_a_payment_follow_up_goes_after_days_by_email_or_sms_never_post(con):
    for claim_id, cells in (
        ("e", {"email": "e@x.cn", "postal_address": "1 Road", "preferred_channel": "post"}),
        ("s", {"phone": "138", "postal_address": "1 Road", "preferred_channel": "post"}),
        ("p", {"postal_address": "1 Road"}),
    ):
        contact(con, claim_id, **cells)
        insert_instruction(con, f"PR-{claim_id}", claim_id=claim_id)
        insert_payout(con, f"T-{claim_id}", f"PR-{claim_id}", value_date=date(2026, 10, 1))
        insert(
            con,
            "reconciliation_items",
            {
                "campaign": "C",
                "run_id": "r",
                "as_of": date(2026, 10, 2),
                "item": "instruction",
                "class": "matched",
                "payment_ref": f"PR-{claim_id}",
                "claim_id": claim_id,
            },
        )
    follow_ups = {k: v for k, v in due(con).items() if "follow_up" in k}
    assert follow_ups == {  # 14 days after the value date 2026-10-01: the as-of 2026-10-15
        "e-payment_follow_up-v1": ("email", "e@x.cn"),
        "s-payment_follow_up-v1": ("sms", "138"),
    }
    cursor = con.execute(db.sql_text("letters/letters_due"), PARAMS | {"as_of": date(2026, 10, 14)})
    assert not [row for row in cursor.fetchall() if "follow_up" in row[0]]


def letter_sent(con, claim_id: str, kind: str, version: int, on: date) -> None:
    run_id = f"L{on.isoformat()}"
    if not con.execute("select 1 from runs where run_id = ?", [run_id]).fetchall():
        insert(con, "runs", {"run_id": run_id, "campaign": "C", "flow": "letters", "as_of": on,
                             "status": "completed"})  # fmt: skip
    insert(con, "letters", {"letter_id": f"{claim_id}-{kind}-v{version}", "campaign": "C",
                            "claim_id": claim_id, "kind": kind, "offer_version": version,
                            "language": "en", "channel": "email", "run_id": run_id, "path": "x",
                            "sha256": "s", "template_sha256": "t"})  # fmt: skip


def follow_ups_due(con, as_of: date) -> list[str]:
    cursor = con.execute(db.sql_text("letters/letters_due"), PARAMS | {"as_of": as_of})
    return [row[0] for row in cursor.fetchall() if "review_follow_up" in row[0]]


def test_overdue_review_gets_one_follow_up_per_period(con):
    insert(con, "runs", {"run_id": "r", "campaign": "C", "flow": "compensate",
                         "as_of": date(2026, 10, 1), "status": "completed"})  # fmt: skip
    insert_claim(con, "v", status="review", email="v@x.cn")
    insert_entitlement(con, "v", "harm")
    assert follow_ups_due(con, date(2026, 10, 20)) == []  # no letter promised a date yet
    letter_sent(con, "v", "acknowledgement", 1, date(2026, 10, 1))  # reply by 10-11
    assert follow_ups_due(con, date(2026, 10, 11)) == []
    assert follow_ups_due(con, date(2026, 10, 12)) == ["v-review_follow_up-v1"]
    letter_sent(con, "v", "review_follow_up", 1, date(2026, 10, 12))  # a new reply-by: 10-22
    assert follow_ups_due(con, date(2026, 10, 22)) == []
    assert follow_ups_due(con, date(2026, 10, 23)) == ["v-review_follow_up-v2"]


def test_an_open_dispute_is_followed_up_from_its_own_acknowledgement(con):
    insert_claim(con, "d", status="offered", email="d@x.cn")
    insert_offer(con, "d")
    letter_sent(con, "d", "acknowledgement", 1, date(2026, 9, 1))  # the first review, long ago
    dispute(con, "d", "dispute")  # opened 2026-10-20
    assert follow_ups_due(con, date(2026, 10, 25)) == []  # not yet acknowledged: nothing promised
    letter_sent(con, "d", "acknowledgement", 2, date(2026, 10, 20))
    assert follow_ups_due(con, date(2026, 10, 30)) == []
    assert follow_ups_due(con, date(2026, 10, 31)) == ["d-review_follow_up-v1"]
