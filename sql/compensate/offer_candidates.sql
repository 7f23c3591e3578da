-- one row per claim that gets an offer in this run if the budget allows: automatic or decided
-- reads: review_decisions, claims, entitlements, offers · writes: offer_candidates
create or replace temp table offer_candidates as
with decided as (
    select claim_id, decision, amount
    from review_decisions
    where campaign = $campaign and outcome = 'accepted' and decision in ('approve', 'override')
),

final as (
    select
        c.claim_id,
        coalesce(d.decision, 'auto') as source,
        e.tier,
        e.goodwill,
        e.bonus,
        e.expenses,
        case when d.decision = 'override' then d.amount - e.total else 0 end::decimal(18, 2)
            as adjustment,
        e.expense_notes,
        case when c.status = 'review' then e.holdback else 0 end::decimal(18, 2) as holdback,
    from claims as c
    join entitlements as e using (claim_id)
    left join decided as d using (claim_id)
    where c.campaign = $campaign
        and not exists (select 1 from offers as o where o.claim_id = c.claim_id)
        and (c.status = 'eligible' or (c.status = 'review' and d.claim_id is not null))
)

select * from final
