-- one row per input row of the campaign (quarantined rows and claims), in ingest order
-- reads: claims, entitlements, offers, disputes, quarantine, payment_instructions, payouts, letters, runs · writes: nothing
with winners as (
    select claim_id, source_file, source_record_id from claims where campaign = $campaign
),

latest_instruction as (
    select claim_id, payment_ref,
    from payment_instructions
    where campaign = $campaign
    qualify row_number() over (
        partition by claim_id order by instructed_on desc, coalesce(attempt, 1) desc, payment_ref desc
    ) = 1
),

payment_states as (
    select
        i.claim_id,
        coalesce(
            arg_max(p.status, (p.value_date, p.source_file, p.line_no)), 'instructed'
        ) as payment_status,
    from latest_instruction as i
    left join payouts as p on p.campaign = $campaign and p.payment_ref = i.payment_ref
    group by i.claim_id
),

letters_sent as (
    select
        l.claim_id,
        string_agg(
            l.kind || ':' || l.channel || ':' || coalesce(r.as_of::varchar, ''), ';'
            order by r.as_of, l.offer_version, l.letter_id
        ) as letters,
    from letters as l
    left join runs as r on r.campaign = l.campaign and r.run_id = l.run_id
    where l.campaign = $campaign
    group by l.claim_id
),

claim_rows as (
    select
        c.ingest_seq,
        c.line_no,
        c.claim_id,
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
        -- a dispute or appeal is reviewed again (SPEC §11)
        concat_ws(';', nullif(e.review_reasons, ''), dp.kind) as review_reasons,
        o.prorate_factor,
        ps.payment_status,
        ls.letters,
    from claims as c
    left join winners as w on w.claim_id = c.duplicate_of
    left join entitlements as e on e.claim_id = c.claim_id
    left join recall_claim_offers($campaign) as o on o.claim_id = c.claim_id
    left join payment_states as ps on ps.claim_id = c.claim_id
    left join letters_sent as ls on ls.claim_id = c.claim_id
    left join disputes as dp on dp.claim_id = c.claim_id
    where c.campaign = $campaign
),

quarantined_rows as (
    select
        q.ingest_seq,
        q.line_no,
        q.claim_id,  -- the reference a deficiency letter gives
        q.source_file,
        q.source_record_id,
        case when q.cured_by is null then 'quarantined' else 'cured' end as status,
        q.reasons,
        null as duplicate_of,
        null as tier,
        null as goodwill,
        null as bonus,
        null as expenses,
        null as total,
        null as review_reasons,
        null as prorate_factor,
        null as payment_status,
        ls.letters,
    from quarantine as q
    left join letters_sent as ls on ls.claim_id = q.claim_id
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
        coalesce(r.claim_id, '') as claim_id,
        coalesce(r.payment_status, '') as payment_status,
        coalesce(r.letters, '') as letters,
    from (select * from claim_rows union all select * from quarantined_rows) as r
    order by r.ingest_seq, r.line_no
)

select * from final
