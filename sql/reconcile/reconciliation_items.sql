-- one row per instruction and per payout of the campaign, each in exactly one class, as of as_of
-- reads: instruction_payments, payouts · writes: reconciliation_items
insert into reconciliation_items by name
with instruction_rows as (
    select
        'instruction' as item,
        case
            when i.net_count >= 2 or i.chain_paid_rank >= 2 then 'duplicate_payment'
            when i.net_count = 1 then 'paid'  -- by amount, in classed
            when i.has_failed and i.is_reissued then 'failed'
            when i.has_failed then 'unpayable'
            when i.mismatch_count > 0 then 'currency_mismatch'
            else 'outstanding'
        end as class,
        i.payment_ref,
        null::varchar as provider_txn_id,
        i.chain as chain_ref,
        i.claim_id,
        i.amount as instructed,
        i.net_paid as paid,
        i.currency,
        i.instructed_on as day,
        $as_of::date - i.instructed_on as days_open,
        null::varchar as return_reason,
    from instruction_payments as i
),

paid_ranks as (
    -- the payments of a ref in the order they were made; the earliest were given back by its
    -- returns, the ones that stand are the last net_count of them
    select
        o.provider_txn_id,
        row_number() over (partition by o.payment_ref order by o.value_date, o.provider_txn_id)
            - (i.paid_count - greatest(i.net_count, 0)) as paid_rank,
    from payouts as o
    join instruction_payments as i on i.payment_ref = o.payment_ref and i.currency = o.currency
    where o.campaign = $campaign and recall_paid_sign(o.status) = 1
        and o.value_date <= $as_of::date
),

payout_rows as (
    select
        'payout' as item,
        case
            when i.payment_ref is null then 'unknown_ref'
            when o.currency <> i.currency then 'currency_mismatch'
            when recall_paid_sign(o.status) <> 1 then 'failed'
            when r.paid_rank < 1 then 'failed'  -- given back by a return
            when r.paid_rank >= 2 or i.chain_paid_rank >= 2 then 'duplicate_payment'
            else 'paid'  -- by amount, in classed
        end as class,
        o.payment_ref,
        o.provider_txn_id,
        i.chain as chain_ref,
        i.claim_id,
        i.amount as instructed,
        o.amount as paid,
        o.currency,
        o.value_date as day,
        null::integer as days_open,
        o.return_reason,
    from payouts as o
    left join instruction_payments as i on i.payment_ref = o.payment_ref
    left join paid_ranks as r using (provider_txn_id)
    where o.campaign = $campaign and o.value_date <= $as_of::date
),

items as (
    select * from instruction_rows
    union all by name
    select * from payout_rows
),

classed as (
    -- one payment standing against an instruction: its amount against the instructed one
    select
        * replace (
            case
                when class <> 'paid' then class
                when paid = instructed then 'matched'
                when paid < instructed then 'underpaid'
                else 'overpaid'
            end as class
        ),
    from items
),

final as (
    select
        $campaign as campaign,
        $run_id as run_id,
        $as_of::date as as_of,
        u.item,
        u.class,
        u.payment_ref,
        u.provider_txn_id,
        u.chain_ref,
        u.claim_id,
        u.instructed,
        u.paid,
        u.currency,
        u.day,
        case when u.class = 'outstanding' then u.days_open end as age_days,
        case
            when u.class <> 'outstanding' then null
            when u.days_open <= 7 then '0-7'
            when u.days_open <= 30 then '8-30'
            else '>30'
        end as aging,
        u.return_reason,
    from classed as u
)

select * from final
