-- a partition's claims from its Parquet file, into the partition's own database
insert into claims by name
select * exclude (part) from read_parquet($file)
