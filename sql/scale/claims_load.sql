-- one row per claim of a partition, from its Parquet file, into the partition's own database
-- reads: the partition's input file · writes: claims
insert into claims by name
select * exclude (part) from read_parquet($file)
