-- no rows: the claims' partitions, dropped once the run is split
-- reads: nothing · writes: claim_parts
drop table if exists claim_parts
