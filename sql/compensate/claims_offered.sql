-- one row per claim with a binding offer: offered
-- reads: offers · writes: claims
update claims as c
set status = 'offered'
from offers as o
where o.claim_id = c.claim_id and c.campaign = $campaign and c.status <> 'offered'
