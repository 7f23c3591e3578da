-- one row per day with a reserve event up to as_of, and as_of: available, committed, paid so far
-- reads: reserve_ledger, offers, entitlements, claims, runs, review_decisions, payouts, payment_instructions · writes: nothing
-- (the last row is the reserve position the cards show, shared/budget.Position: available =
-- reserve + top-ups; committed = offers + holdbacks of claims in review; paid net of returns)
with decided as (
    -- the day a reviewer's decision was taken: a rejection releases the holdback then
    select d.claim_id, min(r.as_of) as decided_on,
    from review_decisions as d
    join runs as r on r.campaign = d.campaign and r.run_id = d.run_id
    where d.campaign = $campaign and d.outcome = 'accepted'
    group by d.claim_id
),

holdbacks as (
    -- held from the day the claim came in (it goes to review the night it is loaded) until its
    -- offer or decision; to the end while it is still in review
    select
        e.holdback,
        r.as_of as held_on,
        case
            when c.status <> 'review' then greatest(coalesce(o.made_on, d.decided_on), r.as_of)
        end as released_on,
    from entitlements as e
    join claims as c using (claim_id)
    join runs as r on r.campaign = c.campaign and r.run_id = c.run_id
    left join offers as o using (claim_id)
    left join decided as d using (claim_id)
    where e.campaign = $campaign and e.holdback <> 0
),

events as (
    select recorded_on as day, amount as top_up, 0 as committed, 0 as paid,
    from reserve_ledger where campaign = $campaign
    union all
    select made_on, 0, total, 0, from offers where campaign = $campaign
    union all
    select held_on, 0, holdback, 0, from holdbacks
    union all
    select released_on, 0, -holdback, 0, from holdbacks where released_on is not null
    union all
    select p.value_date, 0, 0, p.amount * recall_paid_sign(p.status),
    from payouts as p
    join payment_instructions as i
        on i.payment_ref = p.payment_ref and i.currency = p.currency
            and i.campaign = p.campaign and i.instructed_on <= $as_of::date
    where p.campaign = $campaign and recall_paid_sign(p.status) <> 0
    union all
    select $as_of::date, 0, 0, 0,  -- the chart ends on the report's day
),

days as (
    select day, sum(top_up) as top_up, sum(committed) as committed, sum(paid) as paid,
    from events
    where day <= $as_of::date
    group by day
),

final as (
    select
        day,
        ($reserve + sum(top_up) over w)::decimal(38, 2) as available,
        (sum(committed) over w)::decimal(38, 2) as committed,
        (sum(paid) over w)::decimal(38, 2) as paid,
    from days
    window w as (order by day rows between unbounded preceding and current row)
)

select * from final order by day
