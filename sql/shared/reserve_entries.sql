-- one row per reserve ledger entry (top-ups and corrections), in the order recorded
-- reads: reserve_ledger · writes: nothing
select campaign, entry_no, amount, note, recorded_on
from reserve_ledger
order by campaign, entry_no
