"""Deficiency and cure (SPEC §11): a later customer-list row quoting a quarantined row's
reference (`cure_ref`) by the cure deadline replaces it, keeping its claim date; a late one is
refused. The deadline is the deficiency letter's date + [deficiency] cure_within_days, never past
the claim deadline."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from flows.cli.export import export_claims
from tests.conftest import CAMPAIGN, HEADER, Workspace, row

FIRST = date(2026, 9, 10)  # the bad row arrives, dated by its customer 2026-09-05
HEADER_CURE = [*HEADER, "cure_ref"]


def quarantine_one(workspace: Workspace) -> str:
    """A row with an unreadable purchase date, claimed early (the 20 % bonus window): its
    reference."""
    workspace.write_csv("a.csv", [row(purchase_date="last spring", claim_date="2026-09-05")])
    workspace.intake(FIRST)
    [(reference,)] = workspace.query("select claim_id from quarantine")
    return str(reference)


def cure(workspace: Workspace, reference: str, as_of: date, *rows: dict[str, str]) -> None:
    answer = row(source_record_id="1b", claim_date=as_of.isoformat(), cure_ref=reference)
    workspace.write_csv(f"cure-{as_of}.csv", [answer, *rows], header=HEADER_CURE)
    workspace.intake(as_of)


def deficiency_letter_sent(workspace: Workspace, reference: str, on: date) -> None:
    """A deficiency letter recorded for the row, by a letters run of that day."""
    con = duckdb.connect(str(workspace.paths.database))
    try:
        con.execute(
            "insert into runs (run_id, campaign, flow, as_of, status) "
            "values ('letters-1', ?, 'letters', ?, 'completed')",
            [CAMPAIGN, on],
        )
        con.execute(
            "insert into letters (letter_id, campaign, claim_id, kind, offer_version, language, "
            "channel, run_id, path, sha256, template_sha256) values "
            "(? || '-deficiency-v1', ?, ?, 'deficiency', 1, 'en', 'email', 'letters-1', 'x', "
            "'x', 'x')",
            [reference, CAMPAIGN, reference],
        )
    finally:
        con.close()


def claim(workspace: Workspace, source_record_id: str) -> tuple:
    [found] = workspace.query(
        "select claim_id, status, reasons, claim_date, cure_of from claims "
        "where source_record_id = ?",
        [source_record_id],
    )
    return found


def test_cured_row_keeps_original_claim_date(workspace: Workspace):
    reference = quarantine_one(workspace)
    deficiency_letter_sent(workspace, reference, date(2026, 9, 11))
    cure(workspace, reference, date(2026, 10, 1))
    claim_id, status, reasons, claim_date, cure_of = claim(workspace, "1b")
    assert (status, reasons, claim_date, cure_of) == ("eligible", "", date(2026, 9, 5), reference)
    [(cured_by,)] = workspace.query("select cured_by from quarantine")
    assert cured_by == claim_id
    # the night's and status's counts name the row cured, no longer quarantined
    counts = workspace.intake(date(2026, 10, 1)).status_counts
    assert (counts.get("cured"), counts.get("quarantined")) == (1, None)
    # the early-response bonus follows the kept date: 20 % within 30 days of the announcement
    workspace.compensate(date(2026, 10, 1))
    [(bonus_rate,)] = workspace.query(
        "select bonus_rate from entitlements where claim_id = ?", [claim_id]
    )
    assert bonus_rate == Decimal("0.20")


def test_cure_after_the_deadline_is_refused(workspace: Workspace):
    reference = quarantine_one(workspace)
    deficiency_letter_sent(workspace, reference, date(2026, 9, 11))
    cure(workspace, reference, date(2026, 10, 12))  # 31 days after the letter
    _, status, reasons, claim_date, cure_of = claim(workspace, "1b")
    assert (status, reasons, cure_of) == ("ineligible", "cure_after_deadline", reference)
    assert claim_date == date(2026, 10, 12)  # no borrowed date for a refused cure
    [(cured_by,)] = workspace.query("select cured_by from quarantine")
    assert cured_by is None


def test_cure_on_the_last_day_is_in_time(workspace: Workspace):
    reference = quarantine_one(workspace)
    deficiency_letter_sent(workspace, reference, date(2026, 9, 11))
    cure(workspace, reference, date(2026, 10, 11))  # the 30th day after the letter
    assert claim(workspace, "1b")[1:3] == ("eligible", "")


def test_cure_deadline_is_never_past_the_claim_deadline(workspace: Workspace):
    workspace.configure("claim_deadline = 2027-03-01", "claim_deadline = 2026-09-20")
    workspace.configure("[review]", "[deficiency]\ncure_within_days = 60\n\n[review]")
    reference = quarantine_one(workspace)
    deficiency_letter_sent(workspace, reference, date(2026, 9, 11))
    cure(workspace, reference, date(2026, 9, 21))
    _, status, reasons, _, _ = claim(workspace, "1b")
    assert status == "ineligible" and "cure_after_deadline" in reasons.split(";")


def test_a_row_is_cured_once_a_second_answer_is_a_claim_of_its_own(workspace: Workspace):
    reference = quarantine_one(workspace)
    again = row(source_record_id="1c", serial_no="K3A000777", claim_date="2026-10-01")
    cure(workspace, reference, date(2026, 10, 1), again | {"cure_ref": reference})
    assert claim(workspace, "1b")[3:] == (date(2026, 9, 5), reference)
    assert claim(workspace, "1c")[1:] == ("eligible", "", date(2026, 10, 1), None)
    # and a row quoting an already cured reference later is a claim of its own too
    later = row(source_record_id="1d", serial_no="K3A000778", cure_ref=reference)
    workspace.write_csv("later.csv", [later], header=HEADER_CURE)
    workspace.intake(date(2026, 10, 2))
    assert claim(workspace, "1d")[3:] == (date(2026, 9, 10), None)


def test_cure_ref_naming_no_quarantined_row_is_a_new_claim(workspace: Workspace):
    quarantine_one(workspace)
    cure(workspace, "0123456789ab-0000002", date(2026, 10, 1))
    assert claim(workspace, "1b")[1:] == ("eligible", "", date(2026, 10, 1), None)
    [(cured_by,)] = workspace.query("select cured_by from quarantine")
    assert cured_by is None


def test_cured_row_is_exported_as_cured_and_never_requeued(workspace: Workspace, tmp_path: Path):
    from flows.intake.requeue import requeue

    reference = quarantine_one(workspace)
    cure(workspace, reference, date(2026, 10, 1))
    requeue(CAMPAIGN, date(2026, 10, 1))
    assert workspace.query("select count(*) from claims") == [(1,)]
    out = tmp_path / "claims.csv"
    export_claims(workspace.paths, CAMPAIGN, out)
    with out.open(encoding="utf-8") as handle:
        statuses = {r["source_record_id"]: r["status"] for r in csv.DictReader(handle)}
    assert statuses == {"1": "cured", "1b": "eligible"}


def test_a_response_quoting_a_quarantined_row_says_how_the_row_is_put_right(
    workspace: Workspace,
):
    from tests.compensate.test_responses import respond

    reference = quarantine_one(workspace)
    respond(workspace, "r.csv", {"claim_id": reference, "response": "dispute"})
    summary = workspace.compensate(date(2026, 9, 12))
    assert summary.responses == {"dispute unknown_claim": 1}
    assert summary.response_problems == [
        "responses/r.csv line 2: unknown_claim: a quarantined row, not a claim: its customer "
        "corrects it with a new customer-list row quoting it in cure_ref"
    ]
