-- at most one row: '<content sha256> <file>' of the statement with this account and id loaded before
-- reads: payout_statements · writes: nothing
select content_sha256 || ' ' || source_file as seen
from payout_statements
where campaign = $campaign
    and account is not distinct from $account
    and statement_id = $statement_id
    and status = 'loaded'
order by source_file
limit 1
