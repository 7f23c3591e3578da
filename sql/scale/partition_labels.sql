-- one row per partition of the split claims: its label, in order
-- reads: partition_claims · writes: nothing
select distinct part from partition_claims order by part
