-- one row per run of the campaign, newest first (at most $limit)
-- reads: runs · writes: nothing
with final as (
    select
        run_id,
        flow,
        as_of,
        status,
        strftime(started_at, '%Y-%m-%d %H:%M:%S') as started_at,
        coalesce(message, '') as message,
    from runs
    where campaign = $campaign
    order by started_at desc, run_id desc
    limit $limit
)

select * from final
