-- one row for the campaign: claims in review, how many are past reply-by at $as_of, the oldest wait
-- reads: claims, entitlements, letters, runs · writes: nothing
with acknowledged as (
    select l.claim_id, min(r.as_of) as since,
    from letters as l
    join runs as r on r.campaign = l.campaign and r.run_id = l.run_id
    where l.campaign = $campaign and l.kind = 'acknowledgement'
    group by l.claim_id
),

waiting as (
    select coalesce(a.since, r.as_of) as since,
    from claims as c
    join entitlements as e using (claim_id)
    left join runs as r on r.campaign = e.campaign and r.run_id = e.run_id
    left join acknowledged as a on a.claim_id = c.claim_id
    where c.campaign = $campaign and c.status = 'review'
),

final as (
    select
        count(*) as waiting,
        count(*) filter (where since + to_days($reply_within_days) < $as_of) as overdue,
        max($as_of - since) as oldest_days,
    from waiting
)

select * from final
