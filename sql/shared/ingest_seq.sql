-- one row: the next ingest sequence number
-- reads: nothing · writes: nothing
-- (the next value of the sequence ingest_seq)
select nextval('ingest_seq') as ingest_seq
