-- one row per payout file's statement read by the campaign's reconcile runs of as_of
-- reads: payout_statements, runs · writes: nothing
-- (a run killed and run again tells what one run would): the statement rows of payout_files.csv
with final as (
    select
        s.source_file as file,
        s.format,
        s.statement_id,
        s.account,
        s.entries,
        s.payouts_loaded,
        s.quarantined,
        s.not_ours,
        s.opening_balance,
        s.closing_balance,
        s.balance_ok,
        s.status,
        s.message,
    from payout_statements as s
    join runs as r on r.campaign = s.campaign and r.run_id = s.run_id
    where s.campaign = $campaign and r.as_of = $as_of
    order by s.source_file, s.statement_no
)

select * from final
