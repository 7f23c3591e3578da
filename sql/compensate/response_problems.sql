-- one row per line of one responses file that did not count: its line, outcome and reason
-- reads: responses · writes: nothing
select line_no, outcome, reason
from responses
where file_sha256 = $responses_file and outcome <> 'taken'
order by line_no
