-- one row per reason offers were released in this run (lapsed, withdrawn): how many, how much
-- reads: offers_released, offers · writes: nothing
with final as (
    select
        r.reason,
        count(distinct r.claim_id) as offers,
        coalesce(sum(o.total), 0)::decimal(38, 2) as released,
    from offers_released as r
    join offers as o using (claim_id)
    where r.campaign = $campaign and r.run_id = $run_id
    group by r.reason
    order by r.reason
)

select * from final
