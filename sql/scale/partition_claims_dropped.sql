-- no rows: the split claims, dropped once written to the plan's files
-- reads: nothing · writes: partition_claims
drop table if exists partition_claims
