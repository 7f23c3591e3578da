-- one row per input row of the campaign (quarantined rows and claims), in ingest order
-- reads: claims, entitlements, offers, quarantine · writes: nothing
with winners as (
    select claim_id, source_file, source_record_id from claims where campaign = $campaign
),

claim_rows as (
    select
        c.ingest_seq,
        c.line_no,
        c.source_file,
        c.source_record_id,
        c.status,
        c.reasons,
        w.source_file || ':' || w.source_record_id as duplicate_of,
        coalesce(o.tier, e.tier) as tier,
        coalesce(o.goodwill, e.goodwill) as goodwill,
        coalesce(o.bonus, e.bonus) as bonus,
        coalesce(o.expenses, e.expenses) as expenses,
        coalesce(o.total, e.total) as total,
        e.review_reasons,
        o.prorate_factor,
    from claims as c
    left join winners as w on w.claim_id = c.duplicate_of
    left join entitlements as e on e.claim_id = c.claim_id
    left join offers as o on o.claim_id = c.claim_id
    where c.campaign = $campaign
),

quarantined_rows as (
    select
        q.ingest_seq,
        q.line_no,
        q.source_file,
        q.source_record_id,
        'quarantined' as status,
        q.reasons,
        null as duplicate_of,
        null as tier,
        null as goodwill,
        null as bonus,
        null as expenses,
        null as total,
        null as review_reasons,
        null as prorate_factor,
    from quarantine as q
    where q.campaign = $campaign
),

final as (
    select
        recall_safe_text(r.source_file) as source_file,
        recall_safe_text(coalesce(r.source_record_id, '')) as source_record_id,
        r.status,
        r.reasons,
        recall_safe_text(coalesce(r.duplicate_of, '')) as duplicate_of,
        coalesce(r.tier, '') as tier,
        coalesce(r.goodwill::varchar, '') as goodwill,
        coalesce(r.bonus::varchar, '') as bonus,
        coalesce(r.expenses::varchar, '') as expenses,
        coalesce(r.total::varchar, '') as total,
        coalesce(r.review_reasons, '') as review_reasons,
        coalesce(r.prorate_factor::varchar, '') as prorate_factor,
    from (select * from claim_rows union all select * from quarantined_rows) as r
    order by r.ingest_seq, r.line_no
)

select * from final
