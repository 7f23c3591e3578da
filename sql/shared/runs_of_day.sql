-- one row: how many runs of the campaign were recorded for this as-of
-- reads: runs · writes: nothing
select count(*) as runs from runs where campaign = $campaign and as_of = $as_of
