-- the entitlements every partition computed, from their Parquet files
insert into entitlements by name
select * from read_parquet($files)
