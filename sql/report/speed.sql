-- one row per wait: announcement to claim, claim to offer or decision, offer to payment (its value date): claims, median and 90th percentile in days
-- reads: claim_facts · writes: nothing
with waits as (
    select 1 as step, f.days_to_claim as days,
    from claim_facts as f
    where f.registered
    union all
    select 2, f.decided_on - f.claim_date,
    from claim_facts as f
    where f.decided_on is not null
    union all
    select 3, f.paid_on - f.first_offer_on,
    from claim_facts as f
    where f.paid_on is not null and f.first_offer_on is not null
),

steps as (
    select
        unnest([1, 2, 3]) as step,
        unnest(['announcement to claim', 'claim to offer or decision', 'offer to payment']) as wait,
),

final as (
    select
        s.wait,
        count(w.days) as claims,
        round(median(w.days), 1) as median_days,
        round(quantile_cont(w.days, 0.9), 1) as p90_days,
        max(w.days) as longest_days,
    from steps as s
    left join waits as w using (step)
    group by s.step, s.wait
    order by s.step
)

select * from final
