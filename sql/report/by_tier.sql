-- one row per compensation tier: offers, units, money offered and paid, compensation per unit
-- reads: claim_facts · writes: nothing
with final as (
    select
        f.tier,
        count(*) as offers,
        sum(f.quantity)::bigint as units,
        sum(f.offered)::decimal(18, 2) as offered,
        coalesce(sum(f.paid), 0)::decimal(18, 2) as paid,
        recall_cents_per(sum(f.offered), sum(f.quantity)) as offered_per_unit,
    from claim_facts as f
    where f.first_offer_on is not null
    group by f.tier
)

select * from final order by tier
