-- one row per span of days from offer to payment (its value date): claims paid in it and their share
-- reads: claim_facts · writes: nothing
with spans as (
    select
        unnest([1, 2, 3, 4, 5]) as span,
        unnest([0, 8, 15, 31, 61]) as from_day,
        unnest([7, 14, 30, 60, null]) as to_day,
),

paid as (
    select f.paid_on - f.first_offer_on as days,
    from claim_facts as f
    where f.paid_on is not null and f.first_offer_on is not null
),

final as (
    select
        recall_days_span(s.from_day, s.to_day) as days_to_pay,
        count(p.days) as claims,
        round(count(p.days) / nullif(sum(count(p.days)) over (), 0), 4) as share,
    from spans as s
    left join paid as p on p.days >= s.from_day and (s.to_day is null or p.days <= s.to_day)
    group by s.span, s.from_day, s.to_day
    order by s.span
)

select * from final
