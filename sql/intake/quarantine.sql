-- one row per row of the file that cannot be read as a claim, kept verbatim with its reasons
-- reads: parsed_rows, quarantine_raw · writes: quarantine
insert into quarantine by name
with final as (
    select
        $campaign as campaign,
        $run_id as run_id,
        p.file_sha256,
        p.source_file,
        p.line_no,
        p.ingest_seq,
        p.source_record_id,
        p.quarantine_reasons as reasons,
        r.raw,
        p.claim_id,
        p.customer_name,
        p.email_norm as email,
        p.phone_norm as phone,
        p.postal_address,
        p.language_norm as language,
        p.preferred_channel_norm as preferred_channel,
        p.claim_day as claim_date,
    from parsed_rows as p
    left join quarantine_raw as r using (line_no)  -- a row missing there fails: raw is not null
    where p.quarantine_reasons <> ''
)

select * from final
