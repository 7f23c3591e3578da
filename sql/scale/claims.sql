-- one row per claim a partition needs, with its partition `part` (sql/scale/claim_parts.sql)
-- reads: claims, offers, claim_parts · writes: partition_claims
-- its own claims awaiting an offer, and every other counted claim of the same customers (for
-- the units-per-customer rule) as 'offered', so that only its own are computed
create or replace temp table partition_claims as
with counted as (
    select
        c.*,
        p.part,
        c.status in ('eligible', 'review')
            and not exists (select 1 from offers as o where o.claim_id = c.claim_id) as awaiting,
    from claims as c
    join claim_parts as p using (claim_id)
    where c.campaign = $campaign and c.status in ('eligible', 'review', 'offered', 'rejected')
),

customers as (
    select distinct customer_key, part from counted where awaiting
)

select
    c.* exclude (part, awaiting, status),
    case when c.awaiting and c.part = k.part then c.status else 'offered' end as status,
    k.part,
from counted as c
join customers as k using (customer_key)
