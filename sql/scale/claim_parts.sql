-- one row per claim of the campaign: the partition it is in (the one partition rule)
-- reads: claims · writes: claim_parts
-- `part` is the region, or the claim id's hash modulo $count
create or replace temp table claim_parts as
select
    claim_id,
    case
        when $by = 'region' then coalesce(region, '(none)')
        else (hash(claim_id) % $count::ubigint)::varchar
    end as part,
from claims
where campaign = $campaign
