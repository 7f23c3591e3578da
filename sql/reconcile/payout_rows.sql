-- one row per payout line of one file: typed values and every quarantine reason
-- reads: stage_payouts, payouts · writes: payout_rows
create or replace temp table payout_rows as
with identified as (
    -- a bank statement's transaction without a reference of its own, or with one it shares
    -- with another row of the file, is known by account, statement and position
    select
        s.* replace (
            case
                when s.fallback_txn_id is not null and (
                    s.provider_txn_id is null
                    or count(*) over (partition by s.provider_txn_id) > 1
                ) then s.fallback_txn_id
                else s.provider_txn_id
            end as provider_txn_id
        ),
    from stage_payouts as s
),

typed as (
    select
        s.*,
        recall_amount(s.amount) as amount_value,
        recall_date(s.value_date, s.source_format = 'xlsx') as value_day,
        upper(s.currency) as currency_code,
        row_number() over (partition by s.provider_txn_id order by s.line_no, s.detail_no)
            as txn_rank,
    from identified as s
),

reasons as (
    select
        t.*,
        case when t.problem is not null then t.problem else concat_ws(
            ';',
            case when not t.fields_ok then 'bad_value:field_count' end,
            case when t.provider_txn_id is null then 'missing:provider_txn_id' end,
            case when t.amount is null then 'missing:amount'
                when t.amount_value is null or t.amount_value <= 0 then 'bad_amount' end,
            case when t.currency is null then 'missing:currency'
                when not regexp_full_match(t.currency_code, '[A-Z]{3}') then 'bad_value:currency' end,
            case when t.status is null then 'missing:status'
                when t.status not in ('paid', 'failed', 'returned', 'reversed', 'return_reversed')
                    then 'bad_value:status' end,
            case when t.value_date is null then 'missing:value_date'
                when t.value_day is null then 'bad_date' end,
            case when t.txn_rank > 1 then 'bad_value:provider_txn_id' end
        ) end as quarantine_reasons,
    from typed as t
),

final as (
    select
        r.*,
        r.quarantine_reasons = ''
            and not exists (select 1 from payouts as p where p.provider_txn_id = r.provider_txn_id)
            as is_new,
    from reasons as r
)

select * from final
