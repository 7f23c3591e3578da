-- one row per payment instruction made by as_of: what its payouts (value date by as_of) add up to
-- reads: payment_instructions, payouts · writes: instruction_payments
create or replace temp table instruction_payments as
with instructions as (
    select
        p.*,
        coalesce(p.chain_ref, p.payment_ref) as chain,
        coalesce(p.attempt, 1) as try,
    from payment_instructions as p
    where p.campaign = $campaign and p.instructed_on <= $as_of::date
),

payouts_by_ref as (
    -- a payment, or a return reversed, pays; a return, or a payment reversed, gives it back
    select
        i.payment_ref,
        count(*) filter (where o.currency = i.currency and recall_paid_sign(o.status) = 1)
            as paid_count,
        count(*) filter (where o.currency = i.currency and recall_paid_sign(o.status) = -1)
            as returned_count,
        count(*) filter (where o.currency = i.currency and o.status = 'failed') as failed_count,
        count(*) filter (where o.currency <> i.currency) as mismatch_count,
        coalesce(sum(o.amount * recall_paid_sign(o.status)) filter (
            where o.currency = i.currency
        ), 0) as net_paid,
        max(o.value_date) filter (
            where o.currency = i.currency and recall_paid_sign(o.status) = 1
        ) as last_paid_on,
    from instructions as i
    join payouts as o
        on o.payment_ref = i.payment_ref and o.campaign = i.campaign and o.value_date <= $as_of::date
    group by i.payment_ref
),

counted as (
    select
        i.*,
        coalesce(b.paid_count, 0) as paid_count,
        coalesce(b.returned_count, 0) as returned_count,
        coalesce(b.failed_count, 0) as failed_count,
        coalesce(b.mismatch_count, 0) as mismatch_count,
        coalesce(b.net_paid, 0)::decimal(18, 2) as net_paid,
        coalesce(b.paid_count, 0) - coalesce(b.returned_count, 0) as net_count,
        b.last_paid_on,
    from instructions as i
    left join payouts_by_ref as b using (payment_ref)
),

final as (
    select
        c.payment_ref,
        c.chain,
        c.try,
        c.claim_id,
        c.amount,
        c.currency,
        c.instructed_on,
        c.paid_count,
        c.returned_count,
        c.failed_count,
        c.mismatch_count,
        c.net_paid,
        c.net_count,
        -- the instructions of one chain that stand paid, in the order they were paid: a
        -- second one (a return reversed after its reissue was paid) pays the claim twice
        case when c.net_count >= 1 then row_number() over (
            partition by c.chain, c.net_count >= 1 order by c.last_paid_on, c.try
        ) end as chain_paid_rank,
        c.paid_count <= c.returned_count
            and c.failed_count + c.returned_count > 0 as has_failed,
        exists (
            select 1 from payment_instructions as r where r.reissue_of = c.payment_ref
        ) as is_reissued,
    from counted as c
)

select * from final
