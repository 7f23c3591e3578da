-- one row per offered claim whose offer was released (SPEC §11): lapsed or withdrawn
-- reads: offers_released · writes: claims
update claims as c
set status = r.reason
from offers_released as r
where r.claim_id = c.claim_id
    and c.campaign = $campaign
    and r.campaign = $campaign
    and c.status = 'offered'
