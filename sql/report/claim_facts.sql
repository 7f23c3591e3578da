-- one row per claim of the campaign registered by as_of: what the effect report counts of it
-- reads: claims, runs, entitlements, offers, review_decisions, reconciliation_items, responses, letters · writes: claim_facts
-- (retailer: the first [[sources]] whose pattern matches the claim's file, $source_names[n]
-- matching $source_patterns[n]; region: aliases merged; every date is on or before as_of)
create or replace temp table claim_facts as
with sources as (
    select
        unnest($source_names::varchar[]) as retailer,
        unnest($source_patterns::varchar[]) as pattern,
        unnest(range(len($source_names::varchar[]))) as position,
),

registered as (
    select c.*, r.as_of as registered_on,
    from claims as c
    join runs as r on r.campaign = c.campaign and r.run_id = c.run_id
    where c.campaign = $campaign and r.as_of <= $as_of::date
),

retailers as (
    select f.source_file, arg_min(s.retailer, s.position) as retailer,
    from (select distinct source_file from registered) as f
    join sources as s on f.source_file glob s.pattern
    group by f.source_file
),

offered as (
    select
        o.claim_id,
        min(o.made_on) as first_offer_on,
        arg_min(o.tier, o.offer_version) as tier,
        arg_min(o.prorate_factor, o.offer_version) as prorate_factor,
        sum(o.total)::decimal(18, 2) as offered,
        sum(o.expenses)::decimal(18, 2) as reimbursed,
    from offers as o
    where o.campaign = $campaign and o.made_on <= $as_of::date
    group by o.claim_id
),

rejected as (
    select d.claim_id, min(r.as_of) as rejected_on,
    from review_decisions as d
    join runs as r on r.campaign = d.campaign and r.run_id = d.run_id
    where d.campaign = $campaign and d.outcome = 'accepted' and d.decision = 'reject'
        and not coalesce(d.dispute, false) and r.as_of <= $as_of::date
    group by d.claim_id
),

payments as (
    -- paid: a payout standing for an instruction in full (its day is the value date)
    select
        i.claim_id,
        min(i.day) filter (where i.item = 'payout' and i.class in ('matched', 'overpaid'))
            as paid_on,
        sum(i.instructed) filter (
            where i.item = 'instruction' and i.class in ('matched', 'overpaid', 'duplicate_payment')
        )::decimal(18, 2) as paid,
        bool_or(i.item = 'instruction' and i.class = 'unpayable') as unpayable,
    from reconciliation_items as i
    where i.campaign = $campaign and i.claim_id is not null and i.day <= $as_of::date
    group by i.claim_id
),

answered as (
    select
        p.claim_id,
        bool_or(p.response = 'accept') as accepted,
        arg_max(p.score, p.received_on) filter (where p.response = 'rating') as score,
    from responses as p
    where p.campaign = $campaign and p.outcome = 'taken' and p.received_on <= $as_of::date
    group by p.claim_id
),

written as (
    select
        l.claim_id,
        min(r.as_of) filter (where l.kind <> 'payment_follow_up') as notified_on,
        arg_min(l.channel, r.as_of) filter (where l.kind <> 'payment_follow_up')
            as notified_channel,
        min(r.as_of) filter (where l.kind = 'payment_follow_up') as follow_up_on,
    from letters as l
    join runs as r on r.campaign = l.campaign and r.run_id = l.run_id
    where l.campaign = $campaign and r.as_of <= $as_of::date
    group by l.claim_id
),

final as (
    select
        c.claim_id,
        recall_safe_text(c.sku) as sku,
        recall_safe_text(coalesce(recall_region(c.region, $aliases, $regions), '(none)'))
            as region,
        recall_safe_text(c.channel) as channel,
        coalesce(t.retailer, '(no source)') as retailer,
        c.quantity,
        c.harm,
        c.status,
        c.status not in ('ineligible', 'duplicate') as registered,
        c.claim_date,
        c.claim_date - $announced_on::date as days_to_claim,
        e.bonus_rate,
        coalesce(o.tier, e.tier) as tier,
        c.expense_type,
        c.documented_expenses,
        e.expense_notes,
        o.first_offer_on,
        o.offered,
        o.reimbursed,
        o.prorate_factor,
        coalesce(
            o.first_offer_on,
            j.rejected_on,
            case when c.status = 'ineligible' then c.registered_on end
        ) as decided_on,
        p.paid_on,
        case when p.paid_on is not null then p.paid end as paid,  -- paid by the as-of
        coalesce(p.unpayable, false) as unpayable,
        coalesce(a.accepted, false) as accepted,
        a.score,
        w.notified_on,
        w.notified_channel,
        w.follow_up_on,
    from registered as c
    left join retailers as t using (source_file)
    left join entitlements as e using (claim_id)
    left join offered as o using (claim_id)
    left join rejected as j using (claim_id)
    left join payments as p using (claim_id)
    left join answered as a using (claim_id)
    left join written as w using (claim_id)
)

select * from final
