-- one row per claim waiting for a reviewer: what a decision needs, empty decision cells (§6a)
-- reads: claims, entitlements, review_waits · writes: nothing
with waiting as (
    select
        w.claim_id,
        (w.since + to_days($reply_within_days))::date as reply_by,
    from review_waits as w
    where w.campaign = $campaign
),

final as (
    select
        c.claim_id,
        recall_safe_text(c.customer_name) as customer_name,
        e.review_reasons,
        e.total,
        e.holdback,
        w.reply_by,
        greatest($as_of - w.reply_by, 0) as days_overdue,
        null::varchar as decision,
        null::decimal(18, 2) as amount,
        null::varchar as reviewer,
        null::varchar as note,
        e.goodwill,
        e.bonus,
        e.expenses,
        e.expense_notes,
        e.tier,
        c.harm,
        recall_safe_text(array_to_string(c.flags, ';')) as flags,
        c.quantity,
        recall_safe_text(c.source_file) as source_file,
        recall_safe_text(c.source_record_id) as source_record_id,
    from claims as c
    join entitlements as e using (claim_id)
    join waiting as w using (claim_id)
    where c.campaign = $campaign and c.status = 'review'
    order by w.reply_by, c.claim_id
)

select * from final
