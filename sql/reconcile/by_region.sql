-- one row per customer region: offers, committed, paid and still owed
-- reads: offers, claims, chain_totals · writes: nothing
select
    recall_safe_text(coalesce(k.region, '(none)')) as region,
    count(*) as offers,
    sum(o.total)::decimal(38, 2) as committed,
    coalesce(sum(c.paid), 0)::decimal(38, 2) as paid,
    coalesce(sum(c.outstanding), 0)::decimal(38, 2) as outstanding,
    coalesce(sum(c.failed_not_reissued), 0)::decimal(38, 2) as failed_not_reissued,
from offers as o
join claims as k using (claim_id)
left join chain_totals as c using (claim_id)
where o.campaign = $campaign
group by all
order by region
