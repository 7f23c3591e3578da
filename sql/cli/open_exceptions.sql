-- one row per reconciliation class that needs a person, as of the campaign's last reconcile
-- reads: reconciliation_items · writes: nothing
with final as (
    select
        class,
        count(*) as items,
        coalesce(sum(coalesce(paid, instructed)), 0)::decimal(38, 2) as amount,
    from reconciliation_items
    where campaign = $campaign and class not in ('matched', 'outstanding')
    group by class
    order by items desc, class
)

select * from final
