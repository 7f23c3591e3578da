-- one row per kind of expense customers documented: claims, documented, reimbursed, and why the rest was not
-- reads: claim_facts · writes: nothing
-- (excluded: a kind the campaign does not cover; no receipt: evidence missing; capped: above the tier's cap)
with final as (
    select
        recall_safe_text(coalesce(f.expense_type, '(none)')) as expense_type,
        count(*) as claims,
        sum(f.documented_expenses)::decimal(18, 2) as documented,
        coalesce(sum(f.reimbursed), 0)::decimal(18, 2) as reimbursed,
        (sum(f.documented_expenses) - coalesce(sum(f.reimbursed), 0))::decimal(18, 2)
            as not_reimbursed,
        count(*) filter (where f.expense_notes like '%expense_excluded:%') as claims_excluded,
        count(*) filter (where f.expense_notes like '%expense_no_evidence%') as claims_no_receipt,
        count(*) filter (where f.expense_notes like '%expense_capped%') as claims_capped,
    from claim_facts as f
    where f.registered and f.documented_expenses > 0
    group by all
)

select * from final order by expense_type
