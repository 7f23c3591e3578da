-- one row per data row of one input file: typed values and every quarantine reason
-- reads: stage_rows · writes: parsed_rows
create or replace temp table parsed_rows as
with repeated_ids as (
    select source_record_id, min(line_no) as first_line
    from stage_rows
    where source_record_id is not null
    group by source_record_id
    having count(*) > 1
),

cells as (
    select
        s.*,
        s.source_format = 'xlsx' as from_xlsx,
        lower(s.email) as email_norm,
        nullif(
            case when s.phone like '+%' then '+' else '' end
            || regexp_replace(coalesce(s.phone, ''), '[^0-9]', '', 'g'),
            ''
        ) as phone_norm,
        s.line_no > r.first_line as repeated_id,
    from stage_rows as s
    left join repeated_ids as r on s.source_record_id = r.source_record_id
),

typed as (
    select
        c.*,
        recall_date(c.purchase_date, c.from_xlsx) as purchase_day,
        coalesce(recall_date(c.claim_date, c.from_xlsx), case when c.claim_date is null then $as_of::date end) as claim_day,
        recall_amount(c.purchase_price) as price,
        coalesce(recall_amount(c.documented_expenses), case when c.documented_expenses is null then 0 end)::decimal(18, 2) as expenses,
        case
            when c.quantity is null then 1
            when regexp_full_match(c.quantity, '0*[1-9]\d{0,8}') then cast(c.quantity as integer)
        end as qty,
        coalesce(lower(c.harm), 'none') as harm_norm,
        case
            when c.expense_evidence is null then false
            when lower(c.expense_evidence) in ('yes', 'true', '1', '是') then true
            when lower(c.expense_evidence) in ('no', 'false', '0', '否') then false
        end as evidence,
    from cells as c
),

checked as (
    select
        t.*,
        -- bad_cells: unusable cells, and required cells missing (flows.intake.flow.REQUIRED_COLUMNS)
        array_to_string(list_sort(list_distinct(list_concat(t.bad_cells, list_filter([
            case when not t.__fields_ok then 'bad_value:field_count' end,
            case when t.repeated_id then 'bad_value:source_record_id' end,
            case when t.purchase_date is not null and t.purchase_day is null then 'bad_date:purchase_date' end,
            case when t.purchase_day > $as_of::date then 'future_date:purchase_date' end,
            case when t.claim_day is null then 'bad_date:claim_date' end,
            case when t.claim_day > $as_of::date then 'future_date:claim_date' end,
            case when t.purchase_price is not null and t.price is null then 'bad_amount:purchase_price' end,
            case when t.price < 0 then 'negative_amount:purchase_price' end,
            case when t.expenses is null then 'bad_amount:documented_expenses' end,
            case when t.expenses < 0 then 'negative_amount:documented_expenses' end,
            case when t.qty is null then 'bad_value:quantity' end,
            case when t.harm_norm not in ('none', 'property', 'injury') then 'bad_value:harm' end,
            case when t.evidence is null then 'bad_value:expense_evidence' end,
            case when t.email_norm is null and t.phone_norm is null and t.postal_address is null then 'no_contact' end,
        ], lambda r: r is not null)))), ';') as quarantine_reasons,
    from typed as t
),

final as (
    select
        ch.file_sha256,
        ch.source_file,
        ch.line_no,
        ch.ingest_seq,
        ch.source_record_id,
        ch.quarantine_reasons,
        ch.customer_name,
        ch.email_norm,
        ch.phone_norm,
        ch.postal_address,
        ch.customer_ref,
        ch.sku,
        ch.serial_no,
        ch.lot_code,
        ch.purchase_day,
        ch.price,
        ch.qty,
        ch.claim_day,
        ch.channel,
        ch.default_channel,
        ch.region,
        ch.harm_norm,
        ch.expenses,
        ch.expense_type,
        ch.evidence,
        ch.cure_ref,
        substr(ch.file_sha256, 1, 12) || '-' || printf('%07d', ch.line_no) as claim_id,
        case
            when ch.customer_ref is not null then 'ref:' || ch.customer_ref
            when ch.email_norm is not null then 'email:' || ch.email_norm
            when ch.phone_norm is not null then 'phone:' || ch.phone_norm
            else 'name:' || lower(regexp_replace(ch.customer_name, '\s+', ' ', 'g'))
                || '|' || lower(regexp_replace(coalesce(ch.postal_address, ''), '\s+', ' ', 'g'))
        end as customer_key,
        case when list_contains($languages::varchar[], ch.language) then ch.language else $default_language end as language_norm,
        case when lower(ch.preferred_channel) in ('email', 'post', 'sms') then lower(ch.preferred_channel) end as preferred_channel_norm,
        coalesce(list_distinct(list_filter(
            list_transform(string_split(lower(coalesce(ch.flags, '')), ';'), lambda f: trim(f)),
            lambda f: f <> ''
        )), []) as flag_list,
    from checked as ch
)

select * from final
