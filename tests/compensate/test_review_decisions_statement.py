"""sql/compensate/review_decisions.sql (SPEC §5 review decisions), on the statement alone: what
becomes of each line of a decisions file, and why. Claims "r1"… are in review; max_override is
50000.00."""

from __future__ import annotations

import polars as pl

from flows.shared import db
from flows.shared.input_tables import FIELDS_OK
from tests.conftest import insert_claim, insert_decision

COLUMNS = ("claim_id", "decision", "amount", "reviewer", "note")


def outcomes(con, *lines: tuple[str | None, ...], sha: str = "g") -> list[tuple[str, str | None]]:
    """(outcome, reason) of each line (claim_id, decision, amount, reviewer) of one file."""
    frame = pl.DataFrame(
        {c: [line[i] if i < len(line) else None for line in lines] for i, c in enumerate(COLUMNS)}
        | {
            "file_sha256": [sha] * len(lines),
            "line_no": list(range(2, len(lines) + 2)),
            FIELDS_OK: [True] * len(lines),
        },
        schema_overrides=dict.fromkeys(COLUMNS, pl.String),
    )
    con.register("stage_decisions", frame)
    db.run(con, "compensate/review_decisions", campaign="C", run_id="r", max_override="50000.00")
    found = con.execute(
        "select outcome, reason from review_decisions where file_sha256 = ? order by line_no", [sha]
    ).fetchall()
    return [(outcome, reason) for outcome, reason in found]


def in_review(con, *claim_ids: str) -> None:
    for claim_id in claim_ids:
        insert_claim(con, claim_id, status="review")


def test_approve_reject_and_override_of_a_claim_in_review_are_accepted(con):
    in_review(con, "r1", "r2", "r3")
    got = outcomes(
        con,
        ("r1", "approve", None, "W"),
        ("r2", "REJECT", None, "W"),
        ("r3", "override", "88.5", "W"),
    )
    assert [outcome for outcome, _ in got] == ["accepted"] * 3


def test_a_decision_for_an_unknown_claim_is_unknown_claim(con):
    assert [o for o, _ in outcomes(con, ("nope", "approve", None, "W"))] == ["unknown_claim"]


def test_a_claim_not_in_review_is_not_in_review(con):
    insert_claim(con, "e1", status="eligible")
    assert [o for o, _ in outcomes(con, ("e1", "approve", None, "W"))] == ["not_in_review"]


def test_a_second_decision_in_the_file_or_after_an_earlier_file_is_already_decided(con):
    in_review(con, "r1", "r2")
    insert_decision(con, "r2", "approve")  # accepted from an earlier file
    got = outcomes(
        con, ("r1", "approve", None, "W"), ("r1", "reject", None, "C"), ("r2", "reject", None, "C")
    )
    assert [o for o, _ in got] == ["accepted", "already_decided", "already_decided"]


def test_an_override_amount_must_be_plain_two_places_at_least_a_cent_at_most_max_override(con):
    in_review(con, "r1", "r2", "r3", "r4", "r5", "r6")
    got = outcomes(
        con,
        ("r1", "override", "0.01", "W"),
        ("r2", "override", "50000.00", "W"),
        ("r3", "override", "0.00", "W"),
        ("r4", "override", "50000.01", "W"),
        ("r5", "override", "1.234", "W"),
        ("r6", "override", "¥88", "W"),
    )
    assert got == [
        ("accepted", None),
        ("accepted", None),
        ("invalid", "override amount 0.00 is below 0.01"),
        ("invalid", "override amount 50000.01 is above review.max_override 50000.00"),
        ("invalid", "override amount '1.234' is not a plain decimal with at most two places"),
        ("invalid", "override amount '¥88' is not a plain decimal with at most two places"),
    ]


def test_a_line_that_is_no_decision_is_invalid_with_its_reason(con):
    in_review(con, "r1", "r2", "r3", "r4")
    got = outcomes(
        con,
        ("r1", "maybe", None, "W"),
        ("r2", "approve", None, None),
        ("r3", "approve", "10.00", "W"),
        ("r4", "override", None, "W"),
    )
    assert got == [
        ("invalid", "decision 'maybe' is not approve, reject or override"),
        ("invalid", "no reviewer named"),
        ("invalid", "an amount is given only with override, not with approve"),
        ("invalid", "override needs an amount"),
    ]


def test_an_invalid_line_is_no_decision_a_corrected_later_line_is_taken(con):
    in_review(con, "r1")
    got = outcomes(con, ("r1", "override", "abc", "W"), ("r1", "override", "80.00", "W"))
    assert [o for o, _ in got] == ["invalid", "accepted"]
