-- one row per claim of the campaign that a reference names: its claim id, source record id, email or phone
-- reads: claims, quarantine, disputes, review_decisions, entitlements, offers, responses, payment_instructions, payouts · writes: nothing
with ref as (
    select
        trim($ref) as text,
        lower(trim($ref)) as email_norm,
        lower(trim($ref)) as id_norm,  -- claim ids and references are lower-case hex
        case
            when regexp_full_match(trim($ref), '\+?[0-9(][0-9 ()./-]*')
                then case when trim($ref) like '+%' then '+' else '' end
                || regexp_replace(trim($ref), '[^0-9]', '', 'g')
        end as phone_norm,
),

rows_kept as (
    -- claims, and quarantined rows (a deficiency letter gives their reference)
    select
        c.claim_id, c.ingest_seq, c.source_file, c.line_no, c.source_record_id,
        c.customer_name, c.email, c.phone, c.sku, c.claim_date, c.status, c.reasons,
        c.duplicate_of, null::varchar as cured_by,
    from claims as c
    where c.campaign = $campaign
    union all
    select
        q.claim_id, q.ingest_seq, q.source_file, q.line_no, q.source_record_id,
        q.customer_name, q.email, q.phone, null as sku, q.claim_date,
        case when q.cured_by is null then 'quarantined' else 'cured' end as status, q.reasons,
        null as duplicate_of, q.cured_by,
    from quarantine as q
    where q.campaign = $campaign
),

matched as (
    select
        c.*,
        case
            when c.claim_id = r.id_norm then 'claim id'
            when c.source_record_id = r.text then 'source record id'
            when lower(c.email) = r.email_norm then 'email'
            else 'phone'
        end as matched_by,
    from rows_kept as c, ref as r
    where (
            c.claim_id = r.id_norm
            or c.source_record_id = r.text
            or lower(c.email) = r.email_norm
            -- the same digits, or one number ending with the other (a country code or a
            -- trunk 0 given on one side only), at least 7 digits long
            or recall_same_phone(c.phone, r.phone_norm)
        )
),

latest_instruction as (
    select claim_id, payment_ref, amount, currency, instructed_on,
    from payment_instructions
    where campaign = $campaign and claim_id in (select claim_id from matched)
    qualify row_number() over (
        partition by claim_id order by instructed_on desc, coalesce(attempt, 1) desc, payment_ref desc
    ) = 1
),

latest_payout as (
    select p.payment_ref, p.status, p.value_date,
    from payouts as p
    where p.campaign = $campaign and p.payment_ref in (select payment_ref from latest_instruction)
    qualify row_number() over (
        partition by p.payment_ref order by p.value_date desc, p.source_file desc, p.line_no desc
    ) = 1
),

final as (
    select
        m.claim_id,
        m.matched_by,
        m.source_file,
        m.line_no,
        m.source_record_id,
        m.customer_name,
        m.email,
        m.phone,
        m.sku,
        m.claim_date,
        m.status,
        m.reasons,
        m.duplicate_of,
        m.cured_by,
        dp.kind as dispute_kind,
        dp.opened_on as dispute_opened_on,
        dd.decision as dispute_decision,
        coalesce(o.tier, e.tier) as tier,
        coalesce(o.goodwill, e.goodwill) as goodwill,
        coalesce(o.bonus, e.bonus) as bonus,
        coalesce(o.expenses, e.expenses) as expenses,
        o.adjustment,
        coalesce(o.total, e.total) as total,
        case when m.status = 'review' then e.holdback end as holdback,
        coalesce(e.review_reasons, '') as review_reasons,
        coalesce(o.expense_notes, e.expense_notes, '') as expense_notes,
        o.made_on as offered_on,
        o.source as offer_source,
        o.prorate_factor,
        i.payment_ref,
        i.amount as instructed_amount,
        i.currency,
        i.instructed_on,
        case when i.payment_ref is not null then coalesce(p.status, 'instructed') end as payment_status,
        p.value_date as paid_on,
        recall_accepted(m.claim_id) as accepted,
    from matched as m
    left join entitlements as e on e.claim_id = m.claim_id
    left join recall_claim_offers($campaign) as o on o.claim_id = m.claim_id
    left join latest_instruction as i on i.claim_id = m.claim_id
    left join latest_payout as p on p.payment_ref = i.payment_ref
    left join disputes as dp on dp.claim_id = m.claim_id
    left join review_decisions as dd
        on dd.claim_id = m.claim_id and dd.dispute and dd.outcome = 'accepted'
    order by m.ingest_seq, m.line_no
)

select * from final
