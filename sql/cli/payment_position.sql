-- one row for the campaign: instructions made (reissues among them); their classes as of the last reconcile
-- reads: payment_instructions, reconciliation_items · writes: nothing
with instructed as (
    select
        count(*) as instructed,
        coalesce(sum(amount), 0)::decimal(38, 2) as instructed_amount,
        count(*) filter (where reissue_of is not null) as reissued,
        coalesce(sum(amount) filter (where reissue_of is not null), 0)::decimal(38, 2)
            as reissued_amount,
    from payment_instructions
    where campaign = $campaign
),

classes as (
    select
        count(*) filter (where class = 'matched') as paid,
        coalesce(sum(paid) filter (where class = 'matched'), 0)::decimal(38, 2) as paid_amount,
        count(*) filter (where class = 'outstanding') as outstanding,
        coalesce(sum(instructed) filter (where class = 'outstanding'), 0)::decimal(38, 2)
            as outstanding_amount,
        count(*) filter (where class = 'failed') as failed,
        coalesce(sum(instructed) filter (where class = 'failed'), 0)::decimal(38, 2)
            as failed_amount,
        -- over- or underpaid, paid twice, in another currency, unpayable: the exceptions
        count(*) filter (where class not in ('matched', 'outstanding', 'failed')) as other,
        coalesce(
            sum(instructed) filter (where class not in ('matched', 'outstanding', 'failed')), 0
        )::decimal(38, 2) as other_amount,
    from reconciliation_items
    where campaign = $campaign and item = 'instruction'
),

final as (
    select * from instructed, classes
)

select * from final
