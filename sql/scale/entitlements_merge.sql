-- one row per claim's entitlement that a partition computed, from their Parquet files
-- reads: the partitions' output files · writes: entitlements
insert into entitlements by name
select * from read_parquet($files)
