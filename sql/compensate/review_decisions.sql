-- one row per line of a review decisions file, with what became of it and why
-- reads: stage_decisions, claims, disputes, review_decisions, offers · writes: review_decisions
insert into review_decisions by name
with lines as (
    select
        s.*,
        lower(s.decision) as verb,
        regexp_full_match(s.amount, '\d+(\.\d{1,2})?') as plain,
        case when regexp_full_match(s.amount, '\d{1,16}(\.\d{1,2})?')
            then cast(s.amount as decimal(18, 2)) end as parsed_amount,
        (select sum(o.total) from offers as o where o.claim_id = s.claim_id) as binding,
    from stage_decisions as s
    -- a row without a decision is not a decision (a queue workbook's undecided rows, SPEC §6a)
    where s.decision is not null or s.amount is not null or not s.__fields_ok
),

checked as (
    select
        l.*,
        c.status as claim_status,
        c.claim_id is not null as known,
        od.kind as dispute_kind,
        case
            when not l.__fields_ok then 'the line has not as many cells as the header'
            when l.claim_id is null then 'no claim_id'
            when l.verb is null then 'an amount without a decision (write override, or clear it)'
            when l.verb not in ('approve', 'reject', 'override')
                then format('decision ''{}'' is not approve, reject or override', l.decision)
            when l.reviewer is null then 'no reviewer named'
            when od.kind = 'appeal' and l.verb = 'approve'
                then 'an appeal is granted by override with an amount, or rejected'
            when l.verb <> 'override' and l.amount is not null
                then format('an amount is given only with override, not with {}', l.verb)
            when l.verb <> 'override' then null
            when l.amount is null then 'override needs an amount'
            when not l.plain then format(
                'override amount ''{}'' is not a plain decimal with at most two places', l.amount
            )
            when l.parsed_amount is null or l.parsed_amount > $max_override::decimal(18, 2)
                then format(
                    'override amount {} is above review.max_override {}',
                    l.amount, $max_override::decimal(18, 2)::varchar
                )
            when l.parsed_amount < 0.01 then format('override amount {} is below 0.01', l.amount)
            when od.kind = 'dispute' and l.parsed_amount <= l.binding then format(
                'override amount {} is not above the binding offer {}: an offer is never '
                || 'reduced (approve upholds it)', l.amount, l.binding::varchar
            )
        end as problem,
    from lines as l
    left join claims as c on c.claim_id = l.claim_id and c.campaign = $campaign
    left join recall_open_disputes($campaign) as od on od.claim_id = l.claim_id
),

ranked as (
    select
        k.*,
        row_number() over (
            partition by k.claim_id, k.known and k.problem is null order by k.line_no
        ) as nth,
        exists (
            select 1 from review_decisions as d
            where d.claim_id = k.claim_id and d.campaign = $campaign and d.outcome = 'accepted'
                and d.dispute = (k.dispute_kind is not null)
        ) as decided_before,
    from checked as k
),

outcomes as (
    select
        r.*,
        case
            when r.claim_id is not null and not r.known then 'unknown_claim'
            when r.problem is not null then 'invalid'
            when r.decided_before or r.nth > 1 then 'already_decided'
            when r.claim_status <> 'review' and r.dispute_kind is null then 'not_in_review'
            else 'accepted'
        end as outcome,
    from ranked as r
),

final as (
    select
        $campaign as campaign,
        o.file_sha256,
        o.line_no,
        $run_id as run_id,
        o.claim_id,
        o.verb as decision,
        o.parsed_amount as amount,
        o.reviewer,
        o.note,
        o.dispute_kind is not null as dispute,
        o.outcome,
        case o.outcome
            when 'unknown_claim' then 'no such claim in the campaign'
            when 'invalid' then o.problem
            when 'already_decided' then 'the claim was decided before; this line is ignored'
            when 'not_in_review' then format('the claim is not in review but {}', o.claim_status)
        end as reason,
    from outcomes as o
)

select * from final
