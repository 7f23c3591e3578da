-- one row per accepted override not yet offered above review.max_override: made invalid
-- reads: offers · writes: review_decisions
-- (lines accepted before amounts were checked halted every run); the claim stays in review
update review_decisions as d
set outcome = 'invalid',
    reason = format(
        'override amount {} is above review.max_override {} (re-checked before offers)',
        d.amount::varchar, $max_override::decimal(18, 2)::varchar
    )
where d.campaign = $campaign
    and d.outcome = 'accepted'
    and d.decision = 'override'
    and d.amount > $max_override::decimal(18, 2)
    and not exists (select 1 from offers as o where o.claim_id = d.claim_id)
