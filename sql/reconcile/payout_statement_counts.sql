-- one row per statement of the file just staged: its rows loaded, quarantined, loaded before
-- reads: payout_rows · writes: nothing
with final as (
    select
        r.statement_no,
        count(*) filter (where r.is_new) as loaded,
        count(*) filter (where r.quarantine_reasons <> '') as quarantined,
        count(*) filter (where r.quarantine_reasons = '' and not r.is_new) as loaded_before,
    from payout_rows as r
    group by r.statement_no
)

select * from final
