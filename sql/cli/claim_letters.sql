-- one row per letter written to one claim, oldest first
-- reads: letters, runs · writes: nothing
select l.kind, r.as_of as day, l.channel, l.letter_id,
from letters as l
left join runs as r on r.campaign = l.campaign and r.run_id = l.run_id
where l.campaign = $campaign and l.claim_id = $claim_id
order by r.as_of, l.offer_version, l.letter_id
