-- one row per offer this run makes if the budget allows: a first offer, or a supplement (§11)
-- reads: review_decisions, claims, entitlements, offers, responses · writes: offer_candidates
create or replace temp table offer_candidates as
with decided as (
    select claim_id, decision, amount
    from review_decisions
    where campaign = $campaign and outcome = 'accepted' and decision in ('approve', 'override')
),

first_offers as (
    select
        c.claim_id,
        1 as offer_version,
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
),

receipts as (
    -- the first receipts taken for each offered claim, not yet paid by a supplement
    select r.claim_id, arg_min(r.amount, r.line_no) as amount,
    from responses as r
    where r.campaign = $campaign and r.response = 'evidence' and r.outcome = 'taken'
        and not exists (
            select 1 from offers as o where o.claim_id = r.claim_id and o.source = 'evidence'
        )
    group by r.claim_id
),

offered as (
    select
        o.claim_id,
        arg_min(o.tier, o.offer_version) as tier,
        sum(o.expenses) as expenses,
        max(o.offer_version) as last_version,
    from offers as o
    where o.campaign = $campaign and o.claim_id in (select claim_id from receipts)
    group by o.claim_id
),

supplements as (
    select
        r.claim_id,
        o.last_version + 1 as offer_version,
        'evidence' as source,
        o.tier,
        0::decimal(18, 2) as goodwill,
        0::decimal(18, 2) as bonus,
        greatest(
            recall_expenses_reimbursed(
                coalesce(r.amount, c.documented_expenses),
                list_filter($caps::struct(tier varchar, cap decimal(18, 2))[], lambda t: t.tier = o.tier)[1].cap
            ) - o.expenses,
            0
        )::decimal(18, 2) as expenses,
        0::decimal(18, 2) as adjustment,
        '' as expense_notes,
        0::decimal(18, 2) as holdback,
    from receipts as r
    join offered as o using (claim_id)
    join claims as c using (claim_id)
),

final as (
    select * from first_offers
    union all by name
    select * from supplements where expenses > 0
)

select * from final
