-- one row per quarantined row read again that still fails: its reasons as of the new day
-- reads: parsed_rows · writes: quarantine
-- (reasons and run change only where the reasons changed)
update quarantine as q
set
    reasons = p.quarantine_reasons,
    run_id = $run_id,
from parsed_rows as p
where q.campaign = $campaign
    and q.file_sha256 = p.file_sha256
    and q.line_no = p.line_no
    and p.quarantine_reasons <> ''
    and q.reasons <> p.quarantine_reasons
