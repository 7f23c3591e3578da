-- one row: how many times a file of these bytes was loaded as this kind of input
-- reads: input_files · writes: nothing
select count(*) as loads
from input_files
where campaign = $campaign and kind = $kind and sha256 = $sha256 and status = 'loaded'
