-- one row per quarantined row a claim of this campaign answered in time: cured, pointing at it
-- reads: claims · writes: quarantine
update quarantine as q
set cured_by = c.claim_id
from claims as c
where q.campaign = $campaign
    and c.campaign = $campaign
    and c.cure_of = q.claim_id
    and not c.cure_late
    and q.cured_by is null
