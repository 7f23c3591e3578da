-- one row per claim with a binding offer (one released stays lapsed or withdrawn): offered
-- reads: offers, offers_released · writes: claims
update claims as c
set status = 'offered'
from recall_binding_offers($campaign) as o
where o.claim_id = c.claim_id and c.campaign = $campaign and c.status <> 'offered'
