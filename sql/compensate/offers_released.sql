-- one row per offer released tonight (SPEC §11): lapsed, or withdrawn before its instruction
-- reads: claims, offers_released, responses, payment_instructions, letters, runs, disputes, review_decisions · writes: offers_released
insert into offers_released by name
with reminded as (
    -- the day each claim's acceptance reminder was written
    select t.claim_id, min(r.as_of) as reminded_on,
    from letters as t
    join runs as r on r.campaign = t.campaign and r.run_id = t.run_id
    where t.campaign = $campaign and t.kind = 'acceptance_reminder'
    group by t.claim_id
),

unpaid as (
    -- offered claims none of whose offers was instructed, and whether the customer withdrew
    select
        c.claim_id,
        exists (
            select 1 from responses as w
            where w.claim_id = c.claim_id and w.response = 'withdraw' and w.outcome = 'taken'
        ) as withdrew,
    from claims as c
    where c.campaign = $campaign
        and c.status = 'offered'
        and not exists (select 1 from payment_instructions as p where p.claim_id = c.claim_id)
        and not exists (select 1 from offers_released as x where x.claim_id = c.claim_id)
),

released as (
    select u.claim_id, 'withdrawn' as reason,
    from unpaid as u
    where u.withdrew
    union all
    -- not accepted by the reminder's date ([payments] accept_within_days after it)
    select u.claim_id, 'lapsed' as reason,
    from unpaid as u
    join reminded as m using (claim_id)
    where $require_acceptance::boolean
        and m.reminded_on + $accept_within_days::integer < $as_of::date
        and not recall_accepted(u.claim_id)
        and not u.withdrew
        -- a dispute not yet decided: the customer has answered, the offer does not lapse meanwhile
        and u.claim_id not in (select claim_id from recall_open_disputes($campaign))
),

final as (
    select
        r.claim_id,
        $campaign as campaign,
        $run_id as run_id,
        $as_of::date as released_on,
        r.reason,
    from released as r
)

select * from final
