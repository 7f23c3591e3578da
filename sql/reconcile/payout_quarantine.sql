-- one row per payout line that cannot be read, kept verbatim with its reasons (never a claim)
-- reads: payout_rows · writes: payout_quarantine
insert into payout_quarantine by name
with final as (
    select
        $campaign as campaign,
        $run_id as run_id,
        r.file_sha256,
        r.source_file,
        r.line_no,
        r.detail_no,
        r.ingest_seq,
        r.provider_txn_id as source_record_id,
        r.quarantine_reasons as reasons,
        coalesce(r.raw, to_json(struct_pack(
            payment_ref := r.payment_ref, provider_txn_id := r.provider_txn_id,
            amount := r.amount, currency := r.currency, status := r.status,
            value_date := r.value_date, return_reason := r.return_reason
        ))) as raw,
    from payout_rows as r
    where r.quarantine_reasons <> ''
)

select * from final
