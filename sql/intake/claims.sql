-- one row per readable row of the file; status is settled by claims_eligibility and duplicates
-- reads: parsed_rows, quarantine, letters, runs · writes: claims
insert into claims by name
with open_rows as (
    -- quarantined rows not yet cured, each with the day its cure must arrive by: the deficiency
    -- letter's date + [deficiency] cure_within_days, never past the claim deadline (SPEC §11)
    select
        q.claim_id as cure_of,
        q.claim_date as first_claim_date,
        least(
            coalesce(min(r.as_of) + $cure_within_days::integer, $claim_deadline::date),
            $claim_deadline::date
        ) as cure_by,
    from quarantine as q
    left join letters as l
        on l.campaign = q.campaign and l.claim_id = q.claim_id and l.kind = 'deficiency'
    left join runs as r on r.campaign = l.campaign and r.run_id = l.run_id
    where q.campaign = $campaign and q.cured_by is null
    group by all
),

readable as (
    select
        p.*,
        o.cure_of,
        o.first_claim_date,
        $as_of::date > o.cure_by as late,
        -- a row is cured once: by the first line quoting it; a later one is a claim of its own
        o.cure_of is not null
            and row_number() over (partition by o.cure_of order by p.line_no) = 1 as cures,
    from parsed_rows as p
    left join open_rows as o on o.cure_of = p.cure_ref
    where p.quarantine_reasons = ''
),

answers as (
    select
        r.* exclude (cure_of, first_claim_date, late, cures),
        case when r.cures and not r.late
            then coalesce(r.first_claim_date, r.claim_day) else r.claim_day end as kept_claim_day,
        case when r.cures then r.cure_of end as cure_of,
        r.cures and r.late as cure_late,
    from readable as r
),

final as (
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
        p.kept_claim_day as claim_date,
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
        p.cure_of,
        p.cure_late,
    from answers as p
)

select * from final
