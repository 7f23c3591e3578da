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


# reconciliation classes (SPEC §7), as the finance report says them
CLASSES = {
    "matched": "paid as instructed",
    "underpaid": "paid less than instructed",
    "overpaid": "paid more than instructed",
    "duplicate_payment": "paid twice: a second payment for one instruction",
    "unknown_ref": "a payment to a reference we never issued",
    "currency_mismatch": "paid in another currency than instructed",
    "failed": "payment failed: reissued, awaiting the new payment",
    "unpayable": "payment failed too often: not reissued, needs a person",
    "outstanding": "instructed, no payment yet",
    "outstanding_past_terms": "instructed, not paid within the {days}-day payment terms",
    # a payout that did not pay: its instruction's row says whether it is reissued
    "failed_payout": "payment failed, returned or reversed",
}

# reconciliation alerts (SPEC §7)
ALERTS = {
    "headroom_negative": "the reserve is over-committed (headroom below zero)",
    "paid_over_committed": "more paid than the offers committed",
    "paid_over_available": "more paid than the reserve holds",
    "utilisation_high": "the reserve is nearly used up",
    "statement_unbalanced": "a bank statement's balances do not add up",
    "statement_rejected": "a bank statement was rejected",
}

# the same words in the finance report's other language (SPEC §7: the campaign's languages)
CLASSES_IN = {
    "en": CLASSES,
    "zh-CN": {
        "matched": "已按指令付款",
        "underpaid": "付款少于指令金额",
        "overpaid": "付款多于指令金额",
        "duplicate_payment": "重复付款：同一指令付了两次",
        "unknown_ref": "付给了我们未发出的付款编号",
        "currency_mismatch": "付款币种与指令不符",
        "failed": "付款失败：已重新发出，等待新付款",
        "unpayable": "多次付款失败：不再重发，需人工处理",
        "outstanding": "已发指令，尚未付款",
        "outstanding_past_terms": "已发指令，超过 {days} 天付款期限仍未付款",
        "failed_payout": "付款失败、退回或冲正",
    },
}
ALERTS_IN = {
    "en": ALERTS,
    "zh-CN": {
        "headroom_negative": "储备金已超额承诺（余量低于零）",
        "paid_over_committed": "已付款超过已承诺的补偿",
        "paid_over_available": "已付款超过储备金",
        "utilisation_high": "储备金即将用尽",
        "statement_unbalanced": "银行对账单余额不平",
        "statement_rejected": "银行对账单被拒收",
    },
}
