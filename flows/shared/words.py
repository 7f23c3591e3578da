"""Words for the codes staff read (hotline, reviewers, finance): claim states, reasons and
payment statuses, written once. Letters to customers say these things in full sentences in the
customer's language (templates/letters/<lang>/_words.j2)."""

from __future__ import annotations

STATES = {
    "eligible": "eligible — compensation computed, no offer made yet",
    "ineligible": "not eligible",
    "duplicate": "duplicate of another claim",
    "review": "in review by our team",
    "offered": "offer made",
    "rejected": "rejected after review",
    "withdrawn": "withdrawn by the customer",
    "lapsed": "offer lapsed, not accepted in time",
    "quarantined": "not read as a claim: details missing or unreadable",
    "cured": "corrected by the customer: replaced by a later claim",
}

REASONS = {
    "not_affected_sku": "the product is not an affected model",
    "serial_out_of_range": "the serial number is not in the affected range",
    "lot_not_affected": "the production lot is not affected",
    "purchase_outside_window": "bought outside the period affected units were sold",
    "claim_after_deadline": "claimed after the claim deadline",
    "review_rejected": "a reviewer rejected the claim",
    "cure_after_deadline": "the corrected details came after the cure deadline",
    "dispute": "the customer disputes the offer",
    "appeal": "the customer appeals the rejection",
    "harm": "the customer reports harm (injury or property damage)",
    "amount": "the amount is above the review threshold",
    "units": "more units than one customer may claim without review",
    "expense_no_evidence": "expenses not reimbursed: no receipt yet",
    "expense_unknown_type": "expenses not reimbursed: unknown kind of cost",
    "expense_capped": "expenses capped at the limit",
}

PAYMENTS = {
    "instructed": "instructed, no payout result yet",
    "paid": "paid",
    "failed": "failed at the provider",
    "returned": "returned by the bank",
    "reversed": "reversed",
    "return_reversed": "return reversed (paid)",
}


def reason_words(codes: str) -> list[str]:
    """`a;b;flag:vip` as words; a code without words is shown as it is."""
    words = []
    for code in filter(None, codes.split(";")):
        if code.startswith("flag:"):
            words.append(f"flagged {code.removeprefix('flag:')}")
        elif code.startswith("expense_excluded:"):
            kind = code.removeprefix("expense_excluded:")
            words.append(f"{kind} costs are not covered by the recall programme")
        else:
            words.append(REASONS.get(code, code))
    return words
