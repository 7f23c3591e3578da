-- one row per day with a reserve event up to as_of: available, offered and paid so far
-- reads: reserve_ledger, offers, payouts, payment_instructions · writes: nothing
with events as (
    select recorded_on as day, amount as top_up, 0 as offered, 0 as paid
    from reserve_ledger where campaign = $campaign
    union all
    select made_on, 0, total, 0 from offers where campaign = $campaign
    union all
    select
        p.value_date,
        0,
        0,
        p.amount * recall_paid_sign(p.status),
    from payouts as p
    join payment_instructions as i
        on i.payment_ref = p.payment_ref and i.currency = p.currency
    where p.campaign = $campaign and recall_paid_sign(p.status) <> 0
),

days as (
    select day, sum(top_up) as top_up, sum(offered) as offered, sum(paid) as paid,
    from events
    where day <= $as_of::date
    group by day
),

final as (
    select
        day,
        ($reserve + sum(top_up) over w)::decimal(38, 2) as available,
        (sum(offered) over w)::decimal(38, 2) as offered,
        (sum(paid) over w)::decimal(38, 2) as paid,
        ($reserve + sum(top_up) over w - sum(paid) over w)::decimal(38, 2) as remaining,
    from days
    window w as (order by day rows between unbounded preceding and current row)
)

select * from final order by day
