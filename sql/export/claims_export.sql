-- one row per input row of the campaign (quarantined rows and claims), in ingest order
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
    from claims as c
    left join winners as w on w.claim_id = c.duplicate_of
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
        '' as tier,
        '' as goodwill,
        '' as bonus,
        '' as expenses,
        '' as total,
        '' as review_reasons,
        '' as prorate_factor,
    from (select * from claim_rows union all select * from quarantined_rows) as r
    order by r.ingest_seq, r.line_no
)

select * from final
