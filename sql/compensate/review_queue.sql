-- one row per claim waiting for a reviewer: what a decision needs, empty decision cells (§6a)
-- reads: review_waits, offers, claims, entitlements · writes: nothing
with waiting as (
    select
        w.claim_id,
        w.subject,
        (w.since + to_days($reply_within_days))::date as reply_by,
        -- a dispute is decided against the binding offer (SPEC §11), an appeal from nothing
        (select sum(o.total) from offers as o where o.claim_id = w.claim_id) as binding,
    from review_waits as w
    where w.campaign = $campaign
),

final as (
    select
        c.claim_id,
        recall_safe_text(c.customer_name) as customer_name,
        case when w.subject = 'review' then e.review_reasons else w.subject end as review_reasons,
        case when w.subject = 'review' then e.total else w.binding end as total,
        case when w.subject = 'review' then e.holdback else 0 end::decimal(18, 2) as holdback,
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
    join waiting as w using (claim_id)
    left join entitlements as e using (claim_id)
    where c.campaign = $campaign
    order by w.reply_by, c.claim_id
)

select * from final
