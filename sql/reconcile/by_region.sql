-- one row per customer region, aliases merged ([regions] aliases): binding offers, committed, paid, owed
-- reads: offers, offers_released, claims, chain_totals · writes: nothing
-- ($aliases[n] is counted under $regions[n]; a region named no other way stays as it is)
with regions as (
    select
        o.total,
        c.paid,
        c.outstanding,
        c.failed_not_reissued,
        recall_region(k.region, $aliases, $regions) as region,
    from recall_binding_offers($campaign) as o
    join claims as k using (claim_id)
    left join chain_totals as c using (claim_id)
),

final as (
    select
        recall_safe_text(coalesce(r.region, '(none)')) as region,
        count(*) as offers,
        sum(r.total)::decimal(38, 2) as committed,
        coalesce(sum(r.paid), 0)::decimal(38, 2) as paid,
        coalesce(sum(r.outstanding), 0)::decimal(38, 2) as outstanding,
        coalesce(sum(r.failed_not_reissued), 0)::decimal(38, 2) as failed_not_reissued,
    from regions as r
    group by all
    order by region
)

select * from final
