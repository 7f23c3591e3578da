-- one row: the money offered in this run (zero when it made no offer)
-- reads: offers · writes: nothing
with final as (
    select coalesce(sum(total), 0) as offered
    from offers
    where campaign = $campaign and run_id = $run_id
)

select * from final
