-- one row per review decision line naming one claim, in the order the decisions were read
-- reads: review_decisions, runs · writes: nothing
select
    r.as_of as day,
    d.decision,
    d.dispute,
    d.amount,
    d.reviewer,
    d.outcome,
    coalesce(d.reason, '') as reason,
from review_decisions as d
left join runs as r on r.campaign = d.campaign and r.run_id = d.run_id
where d.campaign = $campaign and d.claim_id = $claim_id
order by r.as_of, d.file_sha256, d.line_no
