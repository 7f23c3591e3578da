-- removes the campaign's entitlements for claims still awaiting an offer, before they are
-- computed again; those of offered and of rejected claims stay (the export shows them)
-- reads: offers, claims · writes: entitlements
delete from entitlements as e
where e.campaign = $campaign
    and not exists (select 1 from offers as o where o.claim_id = e.claim_id)
    and not exists (
        select 1 from claims as c where c.claim_id = e.claim_id and c.status = 'rejected'
    )
