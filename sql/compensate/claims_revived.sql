-- one row per lapsed claim whose offer binds again (sql/compensate/offers_revived): offered
-- reads: offers_released · writes: claims
update claims as c
set status = 'offered'
where c.campaign = $campaign
    and c.status = 'lapsed'
    and not exists (select 1 from offers_released as x where x.claim_id = c.claim_id)
