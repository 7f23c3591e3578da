"""The columns of the inputs: a customer list's canonical columns (SPEC §4) and a payout
file's (SPEC §7), which a source's or a provider's mapping names its own columns as."""

from __future__ import annotations

CANONICAL_COLUMNS = (
    "source_record_id",
    "customer_name",
    "email",
    "phone",
    "postal_address",
    "sku",
    "serial_no",
    "lot_code",
    "purchase_date",
    "purchase_price",
    "quantity",
    "claim_date",
    "customer_ref",
    "channel",
    "region",
    "language",
    "preferred_channel",
    "harm",
    "documented_expenses",
    "expense_type",
    "expense_evidence",
    "flags",
    "cure_ref",  # the reference of a deficiency letter this row answers (SPEC §11)
)


# reversed: a payment reversed (money back); return_reversed: a return reversed (paid again)
PAYOUT_STATUSES = ("paid", "failed", "returned", "reversed", "return_reversed")
PAYOUT_COLUMNS = (
    "payment_ref",
    "provider_txn_id",
    "amount",
    "currency",
    "status",
    "value_date",
    "return_reason",
)
