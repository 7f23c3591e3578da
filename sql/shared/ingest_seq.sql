-- one row: the next ingest sequence number
-- reads: ingest_seq · writes: nothing
select nextval('ingest_seq') as ingest_seq
