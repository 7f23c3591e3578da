-- one row for the campaign and one per SKU, region, channel and retailer: units affected, registered, remedied
-- reads: claim_facts · writes: nothing
-- (units affected: $units_affected for the campaign, $affected_units[n] for SKU
-- $affected_skus[n]; registered: neither ineligible nor a duplicate; remedied: paid)
with counted as (
    select
        case
            when grouping(f.sku) = 0 then 'sku'
            when grouping(f.region) = 0 then 'region'
            when grouping(f.channel) = 0 then 'channel'
            when grouping(f.retailer) = 0 then 'retailer'
            else 'campaign'
        end as dimension,
        coalesce(f.sku, f.region, f.channel, f.retailer, 'all') as value,
        count(*) as claims,
        sum(f.quantity)::bigint as units_registered,
        coalesce(sum(f.quantity) filter (where f.paid_on is not null), 0)::bigint as units_remedied,
    from claim_facts as f
    where f.registered
    group by grouping sets ((f.sku), (f.region), (f.channel), (f.retailer), ())
),

affected as (
    select
        'sku' as dimension,
        unnest($affected_skus::varchar[]) as value,
        unnest($affected_units::bigint[]) as units_affected,
    union all
    select 'campaign', 'all', $units_affected::bigint
),

final as (
    select
        coalesce(c.dimension, a.dimension) as dimension,
        coalesce(c.value, a.value) as value,
        a.units_affected,
        coalesce(c.claims, 0) as claims,
        coalesce(c.units_registered, 0) as units_registered,
        round(coalesce(c.units_registered, 0) / a.units_affected, 4) as registration_rate,
        coalesce(c.units_remedied, 0) as units_remedied,
        round(coalesce(c.units_remedied, 0) / a.units_affected, 4) as completion_rate,
    from counted as c
    full join affected as a on a.dimension = c.dimension and a.value = c.value
)

select *
from final
order by list_position(['campaign', 'sku', 'region', 'channel', 'retailer'], dimension), value
