"""Demo customer responses (SPEC §11): what customers send back after the demo's first letters,
dropped in before the later nights so `recall demo` shows the lifecycle end to end — receipts
after an offer, disputes and an appeal and their decisions, withdrawals, acceptances, ratings,
corrected details for a deficiency letter (one in time, one late) and lines that do not count."""

from __future__ import annotations

from pathlib import Path

import duckdb

from flows.cli.demo import DEMO_CAMPAIGN, dropped_a_while_ago, write_csv
from flows.shared.settings import Paths

RESPONSE_COLUMNS = ["claim_id", "response", "amount", "evidence", "score", "note", "received_on"]
# the first claims of each kind the demo's data has, read after its first night
PICKS = {
    "receipts": "select c.claim_id from claims c join offers o using (claim_id) "
    "where c.campaign = $c and o.offer_version = 1 and contains(o.expense_notes, "
    "'expense_no_evidence') order by c.claim_id limit 3",
    "offered": "select claim_id from claims where campaign = $c and status = 'offered' "
    "order by claim_id limit 6",
    "ineligible": "select claim_id from claims where campaign = $c and status = 'ineligible' "
    "order by claim_id limit 1",
    "review": "select claim_id from claims where campaign = $c and status = 'review' "
    "order by claim_id limit 2",
    "deficient": "select claim_id from letters where campaign = $c and kind = 'deficiency' "
    "order by claim_id limit 2",
    "disputed": "select claim_id from disputes where campaign = $c and kind = 'dispute' "
    "order by claim_id",
    "appealed": "select claim_id from disputes where campaign = $c and kind = 'appeal' "
    "order by claim_id",
}


def _picks(paths: Paths) -> dict[str, list[str]]:
    con = duckdb.connect(str(paths.database), read_only=True)
    try:
        return {
            name: [r[0] for r in con.execute(query, {"c": DEMO_CAMPAIGN}).fetchall()]
            for name, query in PICKS.items()
        }
    finally:
        con.close()


def _write(target: Path, header: list[str], rows: list[list[str]]) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    write_csv(target, header, rows, "utf-8")
    return target


def _cure_rows(paths: Paths, references: list[str], day: str) -> list[list[str]]:
    """Corrected rows for quarantined rows: their cells as read, the purchase date and price
    made readable, `cure_ref` their reference."""
    con = duckdb.connect(str(paths.database), read_only=True)
    try:
        rows = con.execute(
            "select claim_id, customer_name, email, phone, postal_address, language "
            "from quarantine where claim_id in (select unnest($refs::varchar[])) "
            "order by claim_id",
            {"refs": references},
        ).fetchall()
    finally:
        con.close()
    return [
        [f"CURE-{n}", name, email or "", phone or "", address or "", "K3-220",
         f"K3A0{95000 + n:05d}", "2026-03-05", "299.00", day, lang or "zh-CN", reference]
        for n, (reference, name, email, phone, address, lang) in enumerate(rows, 1)
    ]  # fmt: skip


CURE_HEADER = [
    "source_record_id", "customer_name", "email", "phone", "postal_address", "sku", "serial_no",
    "purchase_date", "purchase_price", "claim_date", "language", "cure_ref",
]  # fmt: skip


def write_demo_responses(paths: Paths, round_no: int, day: str) -> list[Path]:
    """The customers' files of round 1, 2 or 3 (the nights of the payout rounds)."""
    picks = _picks(paths)
    written: list[Path] = []
    responses = paths.inbox(DEMO_CAMPAIGN, "responses")
    if round_no == 1:
        offered, receipts = picks["offered"], picks["receipts"]
        rows = [[ref, "evidence", "", "receipt.jpg", "", "", day] for ref in receipts[:2]]
        rows += [
            [offered[0], "accept", "", "", "", "", day],
            [offered[1], "accept", "", "", "", "", day],
            [offered[2], "dispute", "", "", "", "the bonus is too small", day],
            [offered[3], "dispute", "", "", "", "I had to buy a new kettle", day],
            *([[picks["ineligible"][0], "dispute", "", "", "", "it is a K3", day]]
              if picks["ineligible"] else []),
            *[[ref, "withdraw", "", "", "", "", day] for ref in picks["review"][:1]],
            [offered[4], "withdraw", "", "", "", "", day],  # offered: cannot be withdrawn
            ["000000000000-0000001", "accept", "", "", "", "", day],  # no such claim
            [offered[5], "rating", "", "", "9", "", day],  # a score out of range
            [offered[0], "thanks", "", "", "", "", day],  # not a response
        ]  # fmt: skip
        written.append(_write(responses / f"responses_{day}.csv", RESPONSE_COLUMNS, rows))
        cures = _cure_rows(paths, picks["deficient"][:1], day)
        lists = paths.inbox(DEMO_CAMPAIGN, "lists")
        written.append(_write(lists / f"corrections_{day}.csv", CURE_HEADER, cures))
    elif round_no == 2:  # the reviewers decide the disputes and the appeal
        disputed, appealed = picks["disputed"], picks["appealed"]
        decisions = [
            [disputed[0], "approve", "", "Wang Fang", "the offer follows the rules"],
            [disputed[1], "override", "900.00", "Wang Fang", "property damage shown"],
            [disputed[1], "override", "100.00", "Chen Jie", "decided twice"],
            *[[ref, "override", "60.00", "Chen Jie", "goodwill on appeal"] for ref in appealed],
        ]
        reviews = paths.inbox(DEMO_CAMPAIGN, "reviews")
        header = ["claim_id", "decision", "amount", "reviewer", "note"]
        written.append(_write(reviews / f"disputes_{day}.csv", header, decisions))
    else:
        offered = picks["offered"]
        rows = [[ref, "rating", "", "", str(score), "", day]
                for ref, score in zip(offered[:3], (5, 4, 2), strict=True)]  # fmt: skip
        written.append(_write(responses / f"ratings_{day}.csv", RESPONSE_COLUMNS, rows))
        cures = _cure_rows(paths, picks["deficient"][1:2], day)  # past its cure deadline
        lists = paths.inbox(DEMO_CAMPAIGN, "lists")
        written.append(_write(lists / f"corrections_{day}.csv", CURE_HEADER, cures))
    dropped_a_while_ago(written)
    return written
