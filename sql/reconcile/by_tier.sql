-- one row per compensation tier: binding offers (released ones aside), committed, paid and still owed
-- reads: offers, offers_released, chain_totals · writes: nothing
select
    o.tier,
    count(*) as offers,
    sum(o.total)::decimal(38, 2) as committed,
    coalesce(sum(c.paid), 0)::decimal(38, 2) as paid,
    coalesce(sum(c.outstanding), 0)::decimal(38, 2) as outstanding,
    coalesce(sum(c.failed_not_reissued), 0)::decimal(38, 2) as failed_not_reissued,
from recall_binding_offers($campaign) as o
left join chain_totals as c using (claim_id)
group by o.tier
order by o.tier
