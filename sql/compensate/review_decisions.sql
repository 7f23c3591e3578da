-- one row per line of a review decisions file, with what became of it
insert into review_decisions by name
with lines as (
    select
        s.*,
        lower(s.decision) as verb,
        recall_amount(s.amount) as parsed_amount,
    from stage_decisions as s
),

checked as (
    select
        l.*,
        c.status as claim_status,
        c.claim_id is not null as known,
        l.__fields_ok
            and (l.verb in ('approve', 'reject') or (l.verb = 'override' and l.parsed_amount >= 0))
            as valid,
    from lines as l
    left join claims as c on c.claim_id = l.claim_id and c.campaign = $campaign
),

ranked as (
    select
        k.*,
        row_number() over (partition by k.claim_id, k.known and k.valid order by k.line_no) as nth,
        exists (
            select 1 from review_decisions as d
            where d.claim_id = k.claim_id and d.campaign = $campaign and d.outcome = 'accepted'
        ) as decided_before,
    from checked as k
),

final as (
    select
        $campaign as campaign,
        r.file_sha256,
        r.line_no,
        $run_id as run_id,
        r.claim_id,
        r.verb as decision,
        r.parsed_amount as amount,
        r.reviewer,
        r.note,
        case
            when not r.known then 'unknown_claim'
            when not r.valid then 'invalid'
            when r.decided_before or r.nth > 1 then 'already_decided'
            when r.claim_status <> 'review' then 'not_in_review'
            else 'accepted'
        end as outcome,
    from ranked as r
)

select * from final
