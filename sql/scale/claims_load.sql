-- one row per claim of a partition's Parquet file, into the partition's own database
-- reads: $file · writes: claims
insert into claims by name
select * exclude (part) from read_parquet($file)
