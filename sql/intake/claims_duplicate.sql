-- one row per claim listed in duplicates: marked duplicate, pointing at its winner
-- reads: duplicates · writes: claims
update claims as c
set status = 'duplicate', duplicate_of = d.duplicate_of
from duplicates as d
where c.claim_id = d.claim_id and c.campaign = $campaign and c.status = 'eligible'
