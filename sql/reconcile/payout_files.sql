-- one row per bank statement read by a reconcile run: the statement rows of payout_files.csv
-- reads: payout_statements
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
    where s.campaign = $campaign and s.run_id = $run_id
    order by s.source_file, s.statement_no
)

select * from final
