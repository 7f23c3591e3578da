-- one row per outcome of the lines of one decision file: how many lines had it
-- reads: review_decisions · writes: nothing
select outcome, count(*) as lines
from review_decisions
where file_sha256 = $decision_file
group by outcome
