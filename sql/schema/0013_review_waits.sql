-- since when each claim in review waits for a reviewer (SPEC §11 reply-by: the date of its
-- acknowledgement, else of the run that sent it to review); the review queue and `recall status`
-- both read it, so a review is overdue by one rule: since + [review] reply_within_days < as_of

create or replace view review_waits as
with acknowledged as (
    select l.campaign, l.claim_id, min(r.as_of) as since,
    from letters as l
    join runs as r on r.campaign = l.campaign and r.run_id = l.run_id
    where l.kind = 'acknowledgement'
    group by l.campaign, l.claim_id
),

final as (
    select c.campaign, c.claim_id, coalesce(a.since, r.as_of) as since,
    from claims as c
    join entitlements as e using (claim_id)
    left join runs as r on r.campaign = e.campaign and r.run_id = e.run_id
    left join acknowledged as a on a.campaign = c.campaign and a.claim_id = c.claim_id
    where c.status = 'review'
)

select * from final;
