-- one row per letter not yet written: (claim, kind, offer version), channel and what it says
-- reads: claims, quarantine, disputes, review_decisions, review_waits, reconciliation_items, payouts, offers, entitlements, responses, runs, letters · writes: nothing
with curable as (
    -- quarantined rows a customer can put right (SPEC §11): every reason names a curable field
    select
        q.claim_id,
        q.customer_name,
        q.email,
        q.phone,
        q.postal_address,
        q.language,
        q.preferred_channel,
        q.claim_date,
        'quarantined' as status,
        q.reasons,
    from quarantine as q
    where q.campaign = $campaign
        and q.cured_by is null
        and q.customer_name is not null
        and len(list_filter(
            string_split(q.reasons, ';'),
            lambda r: not (
                split_part(r, ':', 1)
                    in ('missing_field', 'bad_date', 'bad_amount', 'negative_amount', 'bad_value')
                and list_contains($curable::varchar[], split_part(r, ':', 2))
            )
        )) = 0
),

people as (
    select * from claims
    where campaign = $campaign
        and status in ('offered', 'review', 'ineligible', 'rejected', 'withdrawn')
    union all by name
    select * from curable
),

contacts as (
    select
        c.*,
        case
            when c.preferred_channel = 'email' and c.email is not null then 'email'
            when c.preferred_channel = 'post' and c.postal_address is not null then 'post'
            when c.preferred_channel = 'sms' and c.phone is not null then 'sms'
            when c.email is not null then 'email'
            when c.postal_address is not null then 'post'
            else 'sms'
        end as letter_channel,
    from people as c
),

dispute_states as (
    -- each dispute or appeal, with the reviewer's decision once taken
    select d.claim_id, d.kind as dispute_kind, r.decision as dispute_decision,
    from disputes as d
    left join review_decisions as r
        on r.claim_id = d.claim_id and r.dispute and r.outcome = 'accepted'
    where d.campaign = $campaign
),

paid as (
    -- the day each claim's payment was first matched (SPEC §11: the payment follow-up)
    select i.claim_id, min(p.value_date) as paid_on,
    from reconciliation_items as i
    join payouts as p on p.campaign = i.campaign and p.payment_ref = i.payment_ref
    where i.campaign = $campaign and i.item = 'instruction' and i.class = 'matched'
        and recall_paid_sign(p.status) = 1
    group by i.claim_id
),

unaccepted as (
    -- with [payments] require_acceptance: offers not accepted within accept_within_days of their
    -- letter, and no dispute of them waiting for its decision (SPEC §11)
    select c.claim_id
    from contacts as c
    join letters as t on t.letter_id = c.claim_id || '-offer-v1'
    join runs as r on r.campaign = t.campaign and r.run_id = t.run_id
    left join dispute_states as ds on ds.claim_id = c.claim_id
    where $require_acceptance::boolean
        and c.status = 'offered'
        and r.as_of + $accept_within_days::integer < $as_of::date
        and not recall_accepted(c.claim_id)
        and (ds.claim_id is null or ds.dispute_decision is not null)
),

due as (
    select
        c.claim_id,
        case when o.offer_version = 1 then 'offer' else 'supplementary_offer' end as kind,
        o.offer_version,
    from contacts as c
    join offers as o using (claim_id)
    union all
    select claim_id, 'acknowledgement' as kind, 1 as offer_version
    from contacts
    where status = 'review'
    union all
    select claim_id, 'rejection' as kind, 1 as offer_version
    from contacts
    where status in ('ineligible', 'rejected')
    union all
    select claim_id, 'deficiency' as kind, 1 as offer_version
    from contacts
    where status = 'quarantined'
    union all
    select claim_id, 'withdrawal' as kind, 1 as offer_version
    from contacts
    where status = 'withdrawn'
    union all
    -- a dispute or appeal under review is acknowledged as a first review is (version 2)
    select claim_id, 'acknowledgement' as kind, 2 as offer_version
    from dispute_states
    where dispute_decision is null
    union all
    -- upheld or rejected; a dispute or appeal decided with an amount gets its offer's letter
    select claim_id, 'dispute_outcome' as kind, 1 as offer_version
    from dispute_states
    where dispute_decision in ('approve', 'reject')
    union all
    -- past the reply-by date a letter promised, without a decision: a new reply-by date, at most
    -- once per [review] reply_within_days (SPEC §11)
    select claim_id, 'review_follow_up' as kind, follow_ups + 1 as offer_version
    from review_waits
    where campaign = $campaign and promised
        and since + $reply_within_days::integer < $as_of::date
    union all
    select claim_id, 'payment_follow_up' as kind, 1 as offer_version
    from paid
    where paid_on + $follow_up_days::integer <= $as_of::date
    union all
    -- one reminder; the offer lapses accept_within_days after it (sql/compensate/offers_released)
    select claim_id, 'acceptance_reminder' as kind, 1 as offer_version
    from unaccepted
),

channels as (
    -- a payment follow-up is short: by email, else sms, never post (SPEC §11)
    select
        d.*,
        case
            when d.kind <> 'payment_follow_up' then c.letter_channel
            when c.email is not null then 'email'
            when c.phone is not null then 'sms'
        end as channel,
    from due as d
    join contacts as c using (claim_id)
),

final as (
    select
        d.claim_id || '-' || d.kind || '-v' || d.offer_version as letter_id,
        d.claim_id,
        d.kind,
        d.offer_version,
        c.language,
        d.channel,
        c.customer_name,
        case when d.channel = 'post' then c.postal_address end as postal_address,
        case d.channel when 'email' then c.email when 'sms' then c.phone end as contact,
        c.sku,
        c.serial_no,
        c.lot_code,
        c.purchase_date,
        c.claim_date,
        c.region,
        coalesce(o.goodwill, e.goodwill) as goodwill,
        coalesce(o.bonus, e.bonus) as bonus,
        coalesce(e.bonus_rate, 0)::decimal(9, 6) as bonus_rate,  -- none for an appeal's offer
        coalesce(o.expenses, e.expenses) as expenses,
        coalesce(o.adjustment, 0)::decimal(18, 2) as adjustment,
        o.total,
        o.prorate_factor::varchar as prorate_factor,
        coalesce(o.expense_notes, e.expense_notes, '') as expense_notes,
        c.documented_expenses,
        c.expense_type,
        case when c.status = 'rejected' then 'review_rejected' else c.reasons end as reasons,
        -- a deficiency letter's cure deadline: [deficiency] cure_within_days after the letter,
        -- never past the claim deadline (the same rule as sql/intake/claims.sql)
        case when d.kind = 'deficiency' then least(
            $as_of::date + $cure_within_days::integer, $claim_deadline::date
        ) end as cure_by,
        ds.dispute_kind,
        ds.dispute_decision,
        o.source as offer_source,
    from channels as d
    join contacts as c using (claim_id)
    left join dispute_states as ds using (claim_id)
    left join offers as o
        on o.claim_id = d.claim_id and o.offer_version = d.offer_version
        and d.kind in ('offer', 'supplementary_offer', 'acceptance_reminder')
    left join entitlements as e on e.claim_id = d.claim_id
    where d.channel is not null
        and not exists (
            select 1 from letters as l
            where l.letter_id = d.claim_id || '-' || d.kind || '-v' || d.offer_version
        )
)

select * from final order by letter_id
