-- one row per kind (dispute, appeal) and outcome (approve, override, reject, or pending): how many
-- reads: disputes, review_decisions, runs · writes: nothing
with decisions as (
    select d.claim_id, arg_min(d.decision, r.as_of) as decision,
    from review_decisions as d
    join runs as r on r.campaign = d.campaign and r.run_id = d.run_id
    where d.campaign = $campaign and d.outcome = 'accepted' and coalesce(d.dispute, false)
        and r.as_of <= $as_of::date
    group by d.claim_id
),

final as (
    select s.kind, coalesce(d.decision, 'pending') as outcome, count(*) as claims,
    from disputes as s
    left join decisions as d using (claim_id)
    where s.campaign = $campaign and s.opened_on <= $as_of::date
    group by all
)

select * from final order by kind, list_position(['approve', 'override', 'reject', 'pending'], outcome)
