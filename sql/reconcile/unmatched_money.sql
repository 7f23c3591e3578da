-- one row per class and currency of payouts that pay no instruction of ours: what they moved, net
-- reads: reconciliation_items, payouts · writes: nothing
-- (a return or a reversal takes back what a payment paid; a failed payment moved nothing)
with final as (
    select
        i.class,
        i.currency,
        count(*) as payouts,
        coalesce(sum(p.amount * recall_paid_sign(p.status)), 0)::decimal(38, 2) as net,
    from reconciliation_items as i
    join payouts as p using (provider_txn_id)
    where i.campaign = $campaign and i.item = 'payout'
        and i.class in ('unknown_ref', 'currency_mismatch')
    group by i.class, i.currency
    order by i.class, i.currency
)

select * from final
