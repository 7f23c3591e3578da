-- removes the campaign's entitlements for claims not yet offered, before they are computed again
delete from entitlements as e
where e.campaign = $campaign
    and not exists (select 1 from offers as o where o.claim_id = e.claim_id)
