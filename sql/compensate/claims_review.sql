-- one row per undecided claim awaiting an offer: routed to review when it has review reasons
-- reads: entitlements, review_decisions · writes: claims
update claims as c
set status = case when e.review_reasons <> '' then 'review' else 'eligible' end
from entitlements as e
where c.claim_id = e.claim_id
    and c.campaign = $campaign
    and c.status in ('eligible', 'review')
    and not exists (
        select 1 from review_decisions as d
        where d.claim_id = c.claim_id and d.campaign = $campaign and d.outcome = 'accepted'
    )
