-- one row per claim under review whose accepted decision is reject: rejected
-- reads: review_decisions · writes: claims
update claims as c
set status = 'rejected'
from review_decisions as d
where d.claim_id = c.claim_id
    and d.campaign = $campaign
    and d.outcome = 'accepted'
    and d.decision = 'reject'
    and c.status = 'review'
