-- one row per entitlement of a claim still awaiting an offer: removed, it is computed again
-- reads: offers, claims · writes: entitlements
-- (those of offered, rejected and withdrawn claims stay: the export and the burn-down show them)
delete from entitlements as e
where e.campaign = $campaign
    and not exists (select 1 from offers as o where o.claim_id = e.claim_id)
    and not exists (
        select 1 from claims as c
        where c.claim_id = e.claim_id and c.status in ('rejected', 'withdrawn')
    )
