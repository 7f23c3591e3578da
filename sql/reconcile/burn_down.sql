-- one row per day with a reserve event up to as_of, and as_of: available, committed, paid so far
-- reads: reserve_ledger, offers, offers_released, review_decisions, runs, responses, entitlements, claims, payouts, payment_instructions · writes: nothing
-- (the last row is the reserve position the cards show, shared/budget.Position: available =
-- reserve + top-ups; committed = offers not released + holdbacks of claims in review; paid net
-- of returns)
with released as (
    -- the first day a claim's review ended: its offer, a reviewer's decision (a rejection
    -- releases the holdback then), or the customer's withdrawal (SPEC §11)
    select claim_id, min(day) as released_on,
    from (
        select claim_id, made_on as day from offers where campaign = $campaign
        union all
        select d.claim_id, r.as_of
        from review_decisions as d
        join runs as r on r.campaign = d.campaign and r.run_id = d.run_id
        where d.campaign = $campaign and d.outcome = 'accepted'
        union all
        select w.claim_id, r.as_of
        from responses as w
        join runs as r on r.campaign = w.campaign and r.run_id = w.run_id
        where w.campaign = $campaign and w.response = 'withdraw' and w.outcome = 'taken'
    )
    group by claim_id
),

holdbacks as (
    -- held from the day the claim came in (it goes to review the night it is loaded) until its
    -- review ended; to the end while it is still in review
    select
        e.holdback,
        r.as_of as held_on,
        case when c.status <> 'review' then greatest(rl.released_on, r.as_of) end as released_on,
    from entitlements as e
    join claims as c using (claim_id)
    join runs as r on r.campaign = c.campaign and r.run_id = c.run_id
    left join released as rl using (claim_id)
    where e.campaign = $campaign and e.holdback <> 0
),

events as (
    select recorded_on as day, amount as top_up, 0 as committed, 0 as paid,
    from reserve_ledger where campaign = $campaign
    union all
    select made_on, 0, total, 0, from offers where campaign = $campaign
    union all
    -- an offer lapsed or withdrawn before its instruction is committed no more (SPEC §11)
    select r.released_on, 0, -o.total, 0,
    from offers_released as r
    join offers as o using (claim_id)
    where r.campaign = $campaign
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
