-- one row per (item, class) of the campaign's reconciliation: how many and how much
-- reads: reconciliation_items · writes: nothing
select
    item,
    class,
    count(*) as items,
    coalesce(sum(instructed), 0)::decimal(38, 2) as instructed,
    coalesce(sum(paid), 0)::decimal(38, 2) as paid,
from reconciliation_items
where campaign = $campaign
group by all
order by item, class
