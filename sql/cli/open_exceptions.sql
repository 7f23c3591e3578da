-- one row per reconciliation class that needs a person: its cases as of the last reconcile
-- reads: reconciliation_items · writes: nothing
-- a case is an instruction, or a payout no instruction item carries (a failed payout is counted
-- with its instruction, once); matched and outstanding need no one
with items as (
    select * from reconciliation_items
    where campaign = $campaign and class not in ('matched', 'outstanding')
),

instruction_refs as (
    select payment_ref from reconciliation_items
    where campaign = $campaign and item = 'instruction' and payment_ref is not null
),

final as (
    select
        class,
        count(*) as cases,
        coalesce(sum(case when item = 'instruction' then instructed else paid end), 0)::decimal(
            38, 2
        ) as amount,
    from items
    where item = 'instruction' or payment_ref is null
        or payment_ref not in (select payment_ref from instruction_refs)
    group by class
    order by cases desc, class
)

select * from final
