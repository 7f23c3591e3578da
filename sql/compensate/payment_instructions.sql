-- one row per binding offer (first or supplement) without a payment instruction; payment_ref is derived, so stable on re-runs
-- reads: offers, offers_released, claims, responses, payment_instructions · writes: payment_instructions
insert into payment_instructions by name
with final as (
    select
        'PR-' || upper(substr(sha256($campaign || '|' || o.claim_id || '|' || o.offer_version), 1, 16))
            as payment_ref,
        $campaign as campaign,
        o.claim_id,
        $run_id as run_id,
        c.customer_name as payee,
        coalesce(c.email, c.phone, c.postal_address) as contact,
        o.total as amount,
        $currency as currency,
        $as_of::date as instructed_on,
        null as reissue_of,
        o.offer_version,
    from recall_binding_offers($campaign) as o
    join claims as c using (claim_id)
    -- with [payments] require_acceptance, only the offers of a claim its customer accepted
    where (not $require_acceptance::boolean or recall_accepted(o.claim_id))
        and not exists (
            select 1 from payment_instructions as p
            where p.claim_id = o.claim_id and p.offer_version = o.offer_version
        )
)

-- in key order: the key's index takes them in order (at 10M, 38 s unordered, 25 s ordered)
select * from final order by payment_ref
