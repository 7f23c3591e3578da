-- one row per row of the file read again that was quarantined and asked for: the rest go
-- reads: requeue_rows · writes: parsed_rows
delete from parsed_rows as p
where not exists (
    select 1
    from requeue_rows as r
    where r.file_sha256 = p.file_sha256 and r.line_no = p.line_no
)
