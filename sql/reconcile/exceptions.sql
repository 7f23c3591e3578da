-- one row per instruction or payout that needs a person, the most urgent first (text cells inert)
-- reads: reconciliation_items, payment_instructions · writes: nothing
-- (SPEC §7: money gone wrong, failed and unpayable payments, and instructions outstanding past
-- the payment terms; an instruction outstanding within the terms is only aged, reconcile/aging)
with needs_a_person as (
    select
        i.*,
        list_position(
            [
                'duplicate_payment', 'overpaid', 'unknown_ref', 'currency_mismatch', 'underpaid',
                'unpayable', 'failed', 'outstanding',
            ],
            i.class
        ) as urgency,
    from reconciliation_items as i
    where i.campaign = $campaign
        and recall_needs_a_person(i.class, i.age_days, $terms_days::integer)
),

final as (
    select
        i.item,
        i.class,
        recall_safe_text(i.payment_ref) as payment_ref,
        recall_safe_text(i.provider_txn_id) as provider_txn_id,
        i.claim_id,
        recall_safe_text(p.payee) as payee,
        i.instructed,
        -- a failed, returned or reversed payout, or one given back, paid nothing: told apart
        case when i.item = 'payout' and i.class = 'failed' then null else i.paid end as paid,
        case when i.item = 'payout' and i.class = 'failed' then i.paid end as not_paid,
        i.currency,
        i.day,
        i.age_days,
        recall_safe_text(i.return_reason) as return_reason,
    from needs_a_person as i
    left join payment_instructions as p using (payment_ref)
    order by i.urgency, i.day, i.payment_ref, i.item, i.provider_txn_id
)

select * from final
