-- one row: the name a payout file of these bytes was first loaded under (null when never)
-- reads: input_files · writes: nothing
select min_by(file_name, ingest_seq) as file_name
from input_files
where campaign = $campaign and kind = 'payouts' and sha256 = $sha256 and status = 'loaded'
