-- one row per claim waiting for a reviewer: why, the computed amount and what it holds back
-- reads: claims, entitlements · writes: nothing
with final as (
    select
        c.claim_id,
        recall_safe_text(c.source_file) as source_file,
        recall_safe_text(c.source_record_id) as source_record_id,
        recall_safe_text(c.customer_name) as customer_name,
        c.harm,
        array_to_string(c.flags, ';') as flags,
        c.quantity,
        e.review_reasons,
        e.tier,
        e.goodwill::varchar as goodwill,
        e.bonus::varchar as bonus,
        e.expenses::varchar as expenses,
        e.total::varchar as total,
        e.holdback::varchar as holdback,
        e.expense_notes,
    from claims as c
    join entitlements as e using (claim_id)
    where c.campaign = $campaign and c.status = 'review'
    order by c.claim_id
)

select * from final
