-- one row per line of one decision file that did not count: its line, outcome and reason
-- reads: review_decisions · writes: nothing
select line_no, outcome, reason
from review_decisions
where file_sha256 = $decision_file and outcome <> 'accepted'
order by line_no
