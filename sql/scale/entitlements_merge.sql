-- one row per entitlement the partitions computed, from their Parquet files
-- reads: $files · writes: entitlements
insert into entitlements by name
select * from read_parquet($files)
