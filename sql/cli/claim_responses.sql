-- one row per customer response line naming one claim, in the order the responses were read
-- reads: responses · writes: nothing
select
    r.received_on as day,
    r.response,
    r.amount,
    r.score,
    r.outcome,
    coalesce(r.reason, '') as reason,
from responses as r
where r.campaign = $campaign and r.claim_id = $claim_id
order by r.received_on, r.file_sha256, r.line_no
