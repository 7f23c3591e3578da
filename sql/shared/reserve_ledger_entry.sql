-- one new reserve ledger entry (a top-up or a correction), numbered after the campaign's last
-- reads: reserve_ledger · writes: reserve_ledger
insert into reserve_ledger (campaign, entry_no, amount, note, recorded_on)
select $campaign, coalesce(max(entry_no), 0) + 1, $amount, $note, $recorded_on
from reserve_ledger
where campaign = $campaign
returning entry_no
