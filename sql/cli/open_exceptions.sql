-- one row per reconciliation class that needs a person: its cases as of the last reconcile
-- reads: reconciliation_items · writes: nothing
-- a case is an instruction, or a payout no instruction item carries (a failed payout is counted
-- with its instruction, once); what needs a person is the finance report's exceptions' rule
with items as (
    select * from reconciliation_items
    where campaign = $campaign and recall_needs_a_person(class, age_days, $terms_days::integer)
),

instruction_refs as (
    select payment_ref from reconciliation_items
    where campaign = $campaign and item = 'instruction' and payment_ref is not null
),

final as (
    select
        case when class = 'outstanding' then 'outstanding_past_terms' else class end as class,
        count(*) as cases,
        coalesce(sum(case when item = 'instruction' then instructed else paid end), 0)::decimal(
            38, 2
        ) as amount,
    from items
    where item = 'instruction' or payment_ref is null
        or payment_ref not in (select payment_ref from instruction_refs)
    group by all
    order by cases desc, class
)

select * from final
