-- one row per pro-rata factor first offers were made at (1 when the budget needed none): offers and money
-- reads: claim_facts · writes: nothing
with final as (
    select
        coalesce(f.prorate_factor, 1)::double as prorate_factor,
        count(*) as offers,
        sum(f.offered)::decimal(18, 2) as offered,
    from claim_facts as f
    where f.first_offer_on is not null
    group by all
)

select * from final order by prorate_factor desc
