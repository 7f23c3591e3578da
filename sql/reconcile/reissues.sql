-- one new instruction per failed one not yet reissued, while the chain may still be reissued
-- reads: instruction_payments, payment_instructions · writes: payment_instructions
insert into payment_instructions by name
with final as (
    select
        'PR-' || upper(substr(sha256('reissue|' || i.payment_ref), 1, 16)) as payment_ref,
        p.campaign,
        p.claim_id,
        $run_id as run_id,
        p.payee,
        p.contact,
        p.amount,
        p.currency,
        $as_of::date as instructed_on,
        p.payment_ref as reissue_of,
        i.try + 1 as attempt,
        i.chain as chain_ref,
        p.offer_version,
    from instruction_payments as i
    join payment_instructions as p using (payment_ref)
    where i.has_failed and not i.is_reissued and i.try <= $max_reissues
)

select * from final
