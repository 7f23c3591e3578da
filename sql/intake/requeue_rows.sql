-- one row per quarantined row of the campaign to read again: of one file, with one reason
-- reads: quarantine · writes: requeue_rows
create or replace temp table requeue_rows as
with quarantined as (
    select
        q.file_sha256,
        q.source_file,
        q.line_no,
        string_split(q.reasons, ';') as codes,
    from quarantine as q
    where q.campaign = $campaign
        and q.cured_by is null  -- a cured row lives on as the claim that answered it
        and ($file_name::varchar is null or q.source_file = $file_name::varchar)
),

final as (
    select
        qu.file_sha256,
        qu.source_file,
        qu.line_no,
    from quarantined as qu
    -- a reason code (future_date:claim_date), or its kind before the colon (future_date)
    where $reason::varchar is null
        or list_contains(qu.codes, $reason::varchar)
        or list_contains(list_transform(qu.codes, lambda c: split_part(c, ':', 1)), $reason::varchar)
)

select * from final
