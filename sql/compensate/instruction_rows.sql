-- one row per payment instruction made by one run, as written to its CSV file
-- reads: payment_instructions · writes: nothing
with final as (
    select
        p.payment_ref,
        p.claim_id,
        recall_safe_text(p.payee) as payee,
        recall_safe_text(p.contact) as contact,
        p.amount::varchar as amount,
        p.currency,
    from payment_instructions as p
    where p.campaign = $campaign and p.run_id = $run_id
    order by p.payment_ref
)

select * from final
