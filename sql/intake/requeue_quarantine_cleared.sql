-- one row per quarantined row read again that passed: removed, it is a claim now
-- reads: parsed_rows · writes: quarantine
delete from quarantine as q
where q.campaign = $campaign
    and exists (
        select 1
        from parsed_rows as p
        where p.file_sha256 = q.file_sha256
            and p.line_no = q.line_no
            and p.quarantine_reasons = ''
    )
