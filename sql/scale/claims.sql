-- one row per claim a partition needs, with its partition `part` (region, or hash mod $count)
-- reads: offers, claims · writes: partition_claims
-- its own claims awaiting an offer, and every other counted claim of the same customers (for
-- the units-per-customer rule) as 'offered', so that only its own are computed
create or replace temp table partition_claims as
with counted as (
    select
        c.*,
        case
            when $by = 'region' then coalesce(c.region, '(none)')
            else (hash(c.claim_id) % $count::ubigint)::varchar
        end as part,
        c.status in ('eligible', 'review')
            and not exists (select 1 from offers as o where o.claim_id = c.claim_id) as awaiting,
    from claims as c
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
