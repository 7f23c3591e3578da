-- one row per claim of the campaign with more than one entitlement (there must be none)
-- reads: entitlements · writes: nothing
select claim_id, count(*) as entitlements
from entitlements
where campaign = $campaign
group by claim_id
having count(*) > 1
order by claim_id
limit 3
