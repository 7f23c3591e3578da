"""`recall claim REF`: what a hotline agent needs about a caller's claim (SPEC §6a) — state and
reasons in words, amounts, letters sent, payment, review history and what happens next.

The claim is found by its claim id, source record id, email or phone, the last two normalised
as intake normalises them (sql/intake/parsed_rows.sql). Personal data is printed to the
operator's terminal, which is the point of the command, and never logged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.shared import db
from flows.shared.runs import database
from flows.shared.settings import Paths
from flows.shared.words import PAYMENTS, REASONS, STATES, reason_words


@dataclass(frozen=True)
class Claim:
    row: dict[str, Any]
    letters: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    responses: list[dict[str, Any]]

    def next_step(self) -> str:
        """One line: what happens next to this claim."""
        r = self.row
        status, payment = r["status"], r["payment_status"]
        if r["dispute_kind"] is not None and r["dispute_decision"] is None:
            kind, since = r["dispute_kind"], r["dispute_opened_on"]
            return f"A reviewer decides the customer's {kind} (opened {since})."
        if status == "quarantined":
            return (
                "The customer corrects the details: a deficiency letter names them and the "
                "reference to quote (reasons above), if the row has contact details."
            )
        if status == "cured":
            return f"Nothing here: look up the claim that replaced it, {r['cured_by']}."
        if status == "withdrawn":
            return "Nothing more: the customer withdrew the claim (a letter confirms it)."
        if status == "lapsed":
            return "Nothing more: the offer was not accepted after a reminder and lapsed (final)."
        if status == "duplicate":
            return f"Nothing: this row repeats claim {r['duplicate_of']}; look that one up."
        if status == "ineligible":
            return "Nothing more: a rejection letter explains why; the customer may dispute it."
        if status == "rejected":
            return "Nothing more: rejected after review; the customer may dispute it."
        if status == "review":
            return "A reviewer decides; the customer gets an offer or a rejection after that."
        if status == "eligible":
            return "The next compensation run makes the offer (if the budget allows)."
        if status == "offered":
            if payment is None and not r["accepted"]:
                return (
                    "Waiting for the customer to accept the offer ([payments] "
                    "require_acceptance); a reminder, then it lapses."
                )
            if payment is None:
                return "The next compensation run sends the payment instruction."
            if payment == "instructed":
                return "Waiting for the provider's payout result (reconciliation reads it)."
            if payment in ("paid", "return_reversed"):
                return f"Nothing more: paid on {r['paid_on']}."
            return "Finance reissues the payment or contacts the customer about the details."
        return f"State {status}: ask the campaign coordinator."


def find_claims(paths: Paths, campaign: str, ref: str) -> list[Claim]:
    """Every claim of the campaign the reference names (several may share a phone or email)."""
    found = []
    with database(paths, "claim", campaign) as con:
        for row in db.rows(con, "cli/claim_lookup", campaign=campaign, ref=ref):
            ids = {"campaign": campaign, "claim_id": row["claim_id"]}
            letters = db.rows(con, "cli/claim_letters", **ids)
            reviews = db.rows(con, "cli/claim_reviews", **ids)
            responses = db.rows(con, "cli/claim_responses", **ids)
            found.append(Claim(row, letters, reviews, responses))
    return found


def money(value: Any) -> str:
    return "" if value is None else f"{value:,.2f}"


def print_claim(console: Any, claim: Claim, currency: str) -> None:
    """One claim as a short card and small tables that fit 80 columns."""
    from rich.markup import escape
    from rich.table import Table

    r = claim.row
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column(overflow="fold")
    state = STATES.get(r["status"], r["status"])
    facts.add_row("claim", escape(r["claim_id"]))
    facts.add_row("found by", r["matched_by"])
    facts.add_row(
        "source", escape(f"{r['source_file']} line {r['line_no']}, record {r['source_record_id']}")
    )
    facts.add_row("customer", escape(r["customer_name"]))
    contact = ", ".join(escape(c) for c in (r["email"], r["phone"]) if c)
    facts.add_row("contact", contact or "-")
    facts.add_row("product", f"{escape(r['sku'] or '-')}, claimed {r['claim_date']}")
    facts.add_row("state", state)
    reasons = reason_words(r["reasons"])
    if r["status"] == "review":
        reasons += reason_words(r["review_reasons"])
    if r["status"] == "duplicate":
        reasons.append(f"repeats claim {escape(r['duplicate_of'] or '')}")
    if r["dispute_kind"] is not None:
        decided = r["dispute_decision"] or "waiting for a reviewer"
        reasons.append(f"{REASONS[r['dispute_kind']]} (since {r['dispute_opened_on']}): {decided}")
    for n, words in enumerate(reasons):
        facts.add_row("reasons" if n == 0 else "", escape(words))
    for n, words in enumerate(reason_words(r["expense_notes"])):
        facts.add_row("expenses" if n == 0 else "", escape(words))
    console.print(facts)

    if r["total"] is not None:
        amounts = Table(title=f"Amounts ({currency})", title_justify="left")
        amounts.add_column("goodwill", justify="right")
        amounts.add_column("bonus", justify="right")
        amounts.add_column("expenses", justify="right")
        # a reviewer's override: the difference to the computed amounts, so the row adds up
        adjusted = bool(r["adjustment"])
        if adjusted:
            amounts.add_column("review adj.", justify="right")
        amounts.add_column("total", justify="right")
        amounts.add_column("held back", justify="right")
        cells = [money(r["goodwill"]), money(r["bonus"]), money(r["expenses"])]
        cells += [money(r["adjustment"])] if adjusted else []
        amounts.add_row(*cells, f"[bold]{money(r['total'])}[/bold]", money(r["holdback"]) or "-")
        console.print(amounts)
        if r["offered_on"] is not None:
            offer = f"offer made on {r['offered_on']} ({r['offer_source']}, tier {r['tier']})"
            if r["prorate_factor"] is not None:
                offer += f"; budget share {r['prorate_factor'] * 100:.2f} %"
            console.print(offer)

    if claim.letters:
        letters = Table(title="Letters sent", title_justify="left")
        for column in ("kind", "date", "channel"):
            letters.add_column(column)
        for letter in claim.letters:
            letters.add_row(letter["kind"], str(letter["day"]), letter["channel"])
        console.print(letters)
    else:
        console.print("letters sent: none yet")

    if r["payment_ref"] is not None:
        payment = PAYMENTS.get(r["payment_status"], r["payment_status"])
        line = f"payment {escape(r['payment_ref'])}: {money(r['instructed_amount'])} "
        line += f"{r['currency']} instructed {r['instructed_on']}, {payment}"
        if r["paid_on"] is not None:
            line += f" ({r['paid_on']})"
        console.print(line)
    else:
        console.print("payment: none instructed")

    if claim.reviews:
        reviews = Table(title="Review history", title_justify="left")
        for column in ("date", "decision", "amount", "by", "taken"):
            reviews.add_column(column, overflow="fold")
        for d in claim.reviews:
            taken = "taken"
            if d["outcome"] != "accepted":
                taken = f"not taken: {escape(d['reason'] or d['outcome'])}"
            reviews.add_row(
                str(d["day"]),
                escape((d["decision"] or "") + (" (dispute)" if d["dispute"] else "")),
                money(d["amount"]),
                escape(d["reviewer"] or ""),
                escape(taken),
            )
        console.print(reviews)

    if claim.responses:
        answers = Table(title="Customer responses", title_justify="left")
        for column in ("received", "response", "taken"):
            answers.add_column(column, overflow="fold")
        for a in claim.responses:
            what = a["response"] or "?"
            if a["amount"] is not None:
                what += f" {money(a['amount'])}"
            if a["score"] is not None:
                what += f" {a['score']}/5"
            taken = "taken" if a["outcome"] == "taken" else f"not taken: {escape(a['reason'])}"
            answers.add_row(str(a["day"]), escape(what), escape(taken))
        console.print(answers)

    console.print(f"[bold]next:[/bold] {claim.next_step()}")
