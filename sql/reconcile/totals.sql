-- one row: the campaign's payment totals, each chain counted once
-- reads: chain_totals · writes: nothing
-- (paid + outstanding + failed_not_reissued = instructed); what paid no instruction is
-- reconcile/unmatched_money
with final as (
    select
        coalesce(sum(c.instructed), 0)::decimal(38, 2) as instructed,
        coalesce(sum(c.paid), 0)::decimal(38, 2) as paid,
        coalesce(sum(c.outstanding), 0)::decimal(38, 2) as outstanding,
        coalesce(sum(c.failed_not_reissued), 0)::decimal(38, 2) as failed_not_reissued,
        coalesce(sum(c.paid_in_excess), 0)::decimal(38, 2) as paid_in_excess,
        coalesce(sum(c.paid_net), 0)::decimal(38, 2) as paid_net,
    from chain_totals as c
)

select * from final
