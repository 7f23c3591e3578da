-- one row per handling measure: reviews decided by their reply-by date, overdue, follow-ups, deficiencies cured, withdrawals, lapses
-- reads: review_decisions, runs, letters, entitlements, disputes, review_waits, quarantine, claim_facts · writes: nothing
-- (a review waits from its acknowledgement, else the day it went to review; a dispute from
-- the day it was opened; its reply-by is that day + $reply_within_days. Reply-by met: decided
-- by it, of those decided and those still waiting past it — one waiting within it is not
-- counted yet; one decided after the as-of was waiting on it. Overdue now: as the review
-- queue, from the latest letter that promised a reply)
with decided as (
    select d.claim_id, coalesce(d.dispute, false) as dispute, min(r.as_of) as decided_on,
    from review_decisions as d
    join runs as r on r.campaign = d.campaign and r.run_id = d.run_id
    where d.campaign = $campaign and d.outcome = 'accepted'
    group by all
),

dated_letters as (
    select l.claim_id, l.kind, r.as_of as sent_on,
    from letters as l
    join runs as r on r.campaign = l.campaign and r.run_id = l.run_id
    where l.campaign = $campaign and r.as_of <= $as_of::date
),

acknowledged as (
    select l.claim_id, min(l.sent_on) as first_letter,
    from dated_letters as l
    where l.kind = 'acknowledgement'
    group by l.claim_id
),

every_wait as (
    select d.decided_on, coalesce(a.first_letter, r.as_of) as waited_from,
    from decided as d
    join entitlements as e using (claim_id)
    left join runs as r on r.campaign = e.campaign and r.run_id = e.run_id
    left join acknowledged as a using (claim_id)
    where not d.dispute
    union all
    select d.decided_on, s.opened_on,
    from decided as d
    join disputes as s using (claim_id)
    where d.dispute
    union all
    select null, w.waiting_since,
    from review_waits as w
    where w.campaign = $campaign
),

waits as (
    select
        case when e.decided_on <= $as_of::date then e.decided_on end as decided_on,
        e.waited_from,
    from every_wait as e
    where e.waited_from <= $as_of::date
),

reviews as (
    select
        count(*) filter (where w.decided_on is not null) as decided,
        count(*) filter (
            where w.decided_on <= w.waited_from + to_days($reply_within_days::integer)
        ) as met,
        count(*) filter (
            where w.decided_on is null
                and w.waited_from + to_days($reply_within_days::integer) < $as_of::date
        ) as waiting_past,
        count(*) filter (
            where w.decided_on is null
                and w.waited_from + to_days($reply_within_days::integer) >= $as_of::date
        ) as waiting_within,
    from waits as w
),

overdue as (
    select count(*) as n,
    from review_waits as w
    where w.campaign = $campaign and w.since + to_days($reply_within_days::integer) < $as_of::date
),

deficient as (
    select
        count(distinct l.claim_id) as sent,
        count(distinct l.claim_id) filter (where q.cured_by is not null) as cured,
    from dated_letters as l
    left join quarantine as q on q.campaign = $campaign and q.claim_id = l.claim_id
    where l.kind = 'deficiency'
),

states as (
    select
        count(*) filter (where f.status = 'withdrawn') as withdrawn,
        count(*) filter (where f.status = 'lapsed') as lapsed,
    from claim_facts as f
),

final as (
    select 1 as step, 'reviews decided' as measure, r.decided as claims, null::bigint as of,
    from reviews as r
    union all
    select 2, 'decided by the reply-by date', r.met, r.decided + r.waiting_past,
    from reviews as r
    union all
    select 3, 'waiting, past the reply-by date', r.waiting_past, null,
    from reviews as r
    union all
    select 4, 'waiting, within the reply-by date', r.waiting_within, null,
    from reviews as r
    union all
    select 5, 'overdue now (past the latest reply-by)', o.n, null,
    from overdue as o
    union all
    select 6, 'review follow-ups sent', count(*), null,
    from dated_letters as l
    where l.kind = 'review_follow_up'
    union all
    select 7, 'deficiency letters sent', d.sent, null,
    from deficient as d
    union all
    select 8, 'deficiencies cured', d.cured, d.sent,
    from deficient as d
    union all
    select 9, 'withdrawn', s.withdrawn, null,
    from states as s
    union all
    select 10, 'lapsed', s.lapsed, null,
    from states as s
)

select f.measure, f.claims, f.of, round(f.claims / nullif(f.of, 0), 4) as share,
from final as f
order by f.step
