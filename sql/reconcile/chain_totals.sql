-- one row per instruction chain (an offer's instruction and its reissues): what it owes and paid
-- reads: reconciliation_items · writes: chain_totals
create or replace temp table chain_totals as
with chains as (
    select
        i.chain_ref,
        any_value(i.claim_id) as claim_id,
        any_value(i.instructed) filter (where i.payment_ref = i.chain_ref) as instructed,
        sum(i.paid) as paid_net,
        bool_or(i.class = 'unpayable') as unpayable,
    from reconciliation_items as i
    where i.campaign = $campaign and i.item = 'instruction'
    group by i.chain_ref
),

applied as (
    select c.*, greatest(least(c.paid_net, c.instructed), 0) as applied,
    from chains as c
),

final as (
    select
        a.chain_ref,
        a.claim_id,
        a.instructed,
        a.paid_net,
        a.applied as paid,
        case when a.unpayable then 0 else a.instructed - a.applied end as outstanding,
        case when a.unpayable then a.instructed - a.applied else 0 end as failed_not_reissued,
        greatest(a.paid_net - a.instructed, 0) as paid_in_excess,
    from applied as a
)

select * from final
