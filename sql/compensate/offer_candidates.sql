-- one row per offer this run makes if the budget allows: a first offer, or a supplement (§11)
-- reads: review_decisions, claims, entitlements, offers, responses, disputes · writes: offer_candidates
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

granted as (
    -- disputes and appeals a reviewer decided with an amount, not yet offered
    select d.claim_id, d.amount, p.kind,
    from review_decisions as d
    join disputes as p using (claim_id)
    where d.campaign = $campaign and d.outcome = 'accepted' and d.dispute
        and d.decision = 'override'
        and not exists (
            select 1 from offers as o where o.claim_id = d.claim_id and o.source = p.kind
        )
),

offered as (
    select
        o.claim_id,
        arg_min(o.tier, o.offer_version) as tier,
        sum(o.expenses) as expenses,
        sum(o.total) as total,
        max(o.offer_version) as last_version,
    from offers as o
    where o.campaign = $campaign
        and (
            o.claim_id in (select claim_id from receipts)
            or o.claim_id in (select claim_id from granted)
        )
    group by o.claim_id
),

tiers as (
    -- the campaign's tiers, bound as sql/compensate/entitlements.sql binds them
    select unnest(
        $tiers::struct(
            name varchar, harm varchar, pct decimal(9, 6),
            lo decimal(18, 2), hi decimal(18, 2), cap decimal(18, 2)
        )[],
        recursive := true
    )
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
            recall_expenses_reimbursed(coalesce(r.amount, c.documented_expenses), t.cap)
                - o.expenses,
            0
        )::decimal(18, 2) as expenses,
        0::decimal(18, 2) as adjustment,
        '' as expense_notes,
        0::decimal(18, 2) as holdback,
    from receipts as r
    join offered as o using (claim_id)
    join claims as c using (claim_id)
    join tiers as t on t.name = o.tier
),

decided_again as (
    -- a dispute decided above the binding offer: the difference; an appeal granted: a first
    -- offer at the amount, in the tier of the claim's harm
    select
        g.claim_id,
        coalesce(o.last_version, 0) + 1 as offer_version,
        g.kind as source,
        coalesce(o.tier, t.name) as tier,
        0::decimal(18, 2) as goodwill,
        0::decimal(18, 2) as bonus,
        0::decimal(18, 2) as expenses,
        (g.amount - coalesce(o.total, 0))::decimal(18, 2) as adjustment,
        '' as expense_notes,
        0::decimal(18, 2) as holdback,
    from granted as g
    join claims as c using (claim_id)
    left join offered as o using (claim_id)
    left join tiers as t on t.harm = c.harm
),

final as (
    select * from first_offers
    union all by name
    select * from supplements where expenses > 0
    union all by name
    select * from decided_again where adjustment > 0
)

select * from final
