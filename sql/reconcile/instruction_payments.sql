-- one row per payment instruction made by as_of: what its payouts (value date by as_of) add up to
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
    select
        i.payment_ref,
        count(*) filter (where o.currency = i.currency and o.status = 'paid') as paid_count,
        count(*) filter (where o.currency = i.currency and o.status in ('returned', 'reversed'))
            as returned_count,
        count(*) filter (where o.currency = i.currency and o.status = 'failed') as failed_count,
        count(*) filter (where o.currency <> i.currency) as mismatch_count,
        coalesce(sum(o.amount) filter (where o.currency = i.currency and o.status = 'paid'), 0)
        - coalesce(sum(o.amount) filter (
            where o.currency = i.currency and o.status in ('returned', 'reversed')
        ), 0) as net_paid,
    from instructions as i
    join payouts as o
        on o.payment_ref = i.payment_ref and o.campaign = i.campaign and o.value_date <= $as_of::date
    group by i.payment_ref
),

final as (
    select
        i.payment_ref,
        i.chain,
        i.try,
        i.claim_id,
        i.amount,
        i.currency,
        i.instructed_on,
        coalesce(b.paid_count, 0) as paid_count,
        coalesce(b.returned_count, 0) as returned_count,
        coalesce(b.failed_count, 0) as failed_count,
        coalesce(b.mismatch_count, 0) as mismatch_count,
        coalesce(b.net_paid, 0)::decimal(18, 2) as net_paid,
        coalesce(b.paid_count, 0) - coalesce(b.returned_count, 0) as net_count,
        coalesce(b.paid_count, 0) <= coalesce(b.returned_count, 0)
            and coalesce(b.failed_count, 0) + coalesce(b.returned_count, 0) > 0 as has_failed,
        exists (
            select 1 from payment_instructions as r where r.reissue_of = i.payment_ref
        ) as is_reissued,
    from instructions as i
    left join payouts_by_ref as b using (payment_ref)
)

select * from final
