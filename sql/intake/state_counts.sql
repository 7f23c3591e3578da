-- one row per (status, reason) of the campaign's input rows: quarantined rows and claims
-- reads: quarantine, claims · writes: nothing
with quarantined as (
    select 'quarantined' as status, unnest(string_split(q.reasons, ';')) as reason
    from quarantine as q
    where q.campaign = $campaign
),

claimed as (
    select
        c.status,
        unnest(case when c.reasons = '' then [''] else string_split(c.reasons, ';') end) as reason,
    from claims as c
    where c.campaign = $campaign
),

final as (
    select status, reason, count(*) as rows
    from (select * from quarantined union all select * from claimed)
    group by all
    order by status, reason
)

select * from final
