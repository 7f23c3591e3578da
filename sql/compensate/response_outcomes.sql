-- one row per outcome of the lines of one responses file: how many lines had it
-- reads: responses · writes: nothing
select coalesce(response, '?') || ' ' || outcome as outcome, count(*) as lines
from responses
where file_sha256 = $responses_file
group by all
