-- one row per run that made payment instructions: its instruction file's name and row count
-- reads: payment_instructions · writes: nothing
with final as (
    select
        run_id,
        strftime(instructed_on, '%Y-%m-%d') || '-' || run_id || '.csv' as file_name,
        count(*) as refs,
    from payment_instructions
    where campaign = $campaign
    group by all
)

select * from final order by file_name
