-- one row per readable row of the file; status is settled by claims_eligibility and duplicates
-- reads: parsed_rows · writes: claims
insert into claims by name
with final as (
    select
        p.claim_id,
        $campaign as campaign,
        $run_id as run_id,
        p.file_sha256,
        p.source_file,
        p.line_no,
        p.ingest_seq,
        p.source_record_id,
        p.customer_name,
        p.email_norm as email,
        p.phone_norm as phone,
        p.postal_address,
        p.customer_ref,
        p.customer_key,
        p.sku,
        p.serial_no,
        p.lot_code,
        p.purchase_day as purchase_date,
        p.price as purchase_price,
        p.qty as quantity,
        p.claim_day as claim_date,
        coalesce(p.channel, p.default_channel) as channel,
        p.region,
        p.language_norm as language,
        p.preferred_channel_norm as preferred_channel,
        p.harm_norm as harm,
        p.expenses as documented_expenses,
        lower(p.expense_type) as expense_type,
        p.evidence as expense_evidence,
        p.flag_list as flags,
        'eligible' as status,
    from parsed_rows as p
    where p.quarantine_reasons = ''
)

select * from final
