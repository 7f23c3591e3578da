-- one row per claim the customer withdrew before its offer: withdrawn (a holdback is released)
-- reads: responses · writes: claims
update claims as c
set status = 'withdrawn'
from responses as r
where r.claim_id = c.claim_id
    and c.campaign = $campaign
    and r.campaign = $campaign
    and r.response = 'withdraw'
    and r.outcome = 'taken'
    and c.status in ('eligible', 'review')
