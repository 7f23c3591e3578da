-- one row per letter not yet written: (claim, kind, offer version), channel and what it says
-- reads: claims, offers, entitlements, letters · writes: nothing
with contacts as (
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
    from claims as c
    where c.campaign = $campaign and c.status in ('offered', 'review', 'ineligible', 'rejected')
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
),

final as (
    select
        d.claim_id || '-' || d.kind || '-v' || d.offer_version as letter_id,
        d.claim_id,
        d.kind,
        d.offer_version,
        c.language,
        c.letter_channel as channel,
        c.customer_name,
        case when c.letter_channel = 'post' then c.postal_address end as postal_address,
        case c.letter_channel when 'email' then c.email when 'sms' then c.phone end as contact,
        c.sku,
        c.serial_no,
        c.lot_code,
        c.purchase_date,
        c.claim_date,
        c.region,
        coalesce(o.goodwill, e.goodwill) as goodwill,
        coalesce(o.bonus, e.bonus) as bonus,
        e.bonus_rate,
        coalesce(o.expenses, e.expenses) as expenses,
        coalesce(o.adjustment, 0)::decimal(18, 2) as adjustment,
        o.total,
        o.prorate_factor::varchar as prorate_factor,
        coalesce(o.expense_notes, e.expense_notes, '') as expense_notes,
        c.documented_expenses,
        c.expense_type,
        case when c.status = 'rejected' then 'review_rejected' else c.reasons end as reasons,
    from due as d
    join contacts as c using (claim_id)
    left join offers as o
        on o.claim_id = d.claim_id and o.offer_version = d.offer_version
        and d.kind in ('offer', 'supplementary_offer')
    left join entitlements as e on e.claim_id = d.claim_id
    where not exists (
        select 1 from letters as l
        where l.letter_id = d.claim_id || '-' || d.kind || '-v' || d.offer_version
    )
)

select * from final order by letter_id
