-- one row per valid payout line whose provider_txn_id is not loaded yet (idempotent loading)
-- reads: payout_rows · writes: payouts
insert into payouts by name
with final as (
    select
        r.provider_txn_id,
        $campaign as campaign,
        r.payment_ref,
        r.amount_value as amount,
        r.currency_code as currency,
        r.status,
        r.value_day as value_date,
        r.return_reason,
        r.file_sha256,
        r.source_file,
        r.line_no,
        r.detail_no,
        $run_id as run_id,
    from payout_rows as r
    where r.is_new
)

select * from final
