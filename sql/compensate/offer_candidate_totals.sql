-- one row per kind of candidate (automatic or decided by a reviewer): counts and money
-- reads: offer_candidates · writes: nothing
with final as (
    select
        source = 'auto' as automatic,
        count(*) as offers,
        coalesce(sum(goodwill), 0)::decimal(38, 2) as goodwill,
        coalesce(sum(bonus), 0)::decimal(38, 2) as bonus,
        coalesce(sum(expenses), 0)::decimal(38, 2) as expenses,
        coalesce(sum(goodwill + bonus + expenses + adjustment), 0)::decimal(38, 2) as total,
        coalesce(sum(holdback), 0)::decimal(38, 2) as released_holdback,
    from offer_candidates
    group by all
)

select * from final
