-- one row per aging bucket of outstanding instructions (days since instructed)
-- reads: reconciliation_items · writes: nothing
select
    b.aging,
    count(i.payment_ref) as instructions,
    coalesce(sum(i.instructed - i.paid), 0)::decimal(38, 2) as outstanding,
from (values ('0-7', 1), ('8-30', 2), ('>30', 3)) as b(aging, position)
left join reconciliation_items as i
    on i.aging = b.aging and i.campaign = $campaign and i.item = 'instruction'
group by b.aging, b.position
order by b.position
