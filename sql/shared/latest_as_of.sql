-- one row: the latest as-of of the campaign's recorded runs (null before the first)
-- reads: runs · writes: nothing
select max(as_of) as latest from runs where campaign = $campaign
