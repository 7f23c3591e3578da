-- one row per campaign: its latest run, as a backup or a restore names it
-- reads: runs · writes: nothing
with final as (
    select campaign, run_id, flow, as_of::varchar as as_of, status
    from runs
    qualify row_number() over (partition by campaign order by started_at desc, run_id desc) = 1
)

select * from final order by campaign
