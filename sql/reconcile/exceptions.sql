-- one row per instruction or payout not matched, for finance to act on (text cells made inert)
-- reads: reconciliation_items, payment_instructions · writes: nothing
select
    i.item,
    i.class,
    recall_safe_text(i.payment_ref) as payment_ref,
    recall_safe_text(i.provider_txn_id) as provider_txn_id,
    i.claim_id,
    recall_safe_text(p.payee) as payee,
    i.instructed,
    i.paid,
    i.currency,
    i.day,
    i.age_days,
    recall_safe_text(i.return_reason) as return_reason,
from reconciliation_items as i
left join payment_instructions as p using (payment_ref)
where i.campaign = $campaign and i.class <> 'matched'
order by i.class, i.item, i.payment_ref, i.provider_txn_id
