-- one row per archived customer list holding rows to read again, in ingest order
-- reads: requeue_rows, input_files · writes: nothing
with wanted as (
    select
        r.file_sha256,
        count(*) as rows,
    from requeue_rows as r
    group by r.file_sha256
),

final as (
    select
        w.file_sha256,
        i.file_name,
        i.archived_path,
        i.ingest_seq,
        w.rows,
    from wanted as w
    inner join input_files as i
        on i.sha256 = w.file_sha256
        and i.campaign = $campaign
        and i.kind = 'lists'
        and i.status = 'loaded'
)

select * from final order by ingest_seq
