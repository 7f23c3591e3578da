-- one row per outcome measure: offers made, accepted, paid, unpayable (claims, money, share of offers)
-- reads: claim_facts · writes: nothing
with offered as (
    select f.*,
    from claim_facts as f
    where f.first_offer_on is not null
),

final as (
    select 1 as step, 'offers made' as measure, count(*) as claims,
        coalesce(sum(o.offered), 0)::decimal(18, 2) as amount,
    from offered as o
    union all
    select 2, 'offers accepted', count(*) filter (where o.accepted), null,
    from offered as o
    union all
    select 3, 'offers paid', count(*) filter (where o.paid_on is not null),
        coalesce(sum(o.paid), 0)::decimal(18, 2),
    from offered as o
    union all
    select 4, 'unpayable (payment failed too often)', count(*) filter (where o.unpayable), null,
    from offered as o
)

select
    f.measure,
    f.claims,
    f.amount,
    round(f.claims / nullif(first(f.claims) over (order by f.step), 0), 4) as share_of_offers,
from final as f
order by f.step
