-- one row per line of a responses file, with what became of it and why (SPEC §11)
-- reads: stage_responses, claims, quarantine, offers, payment_instructions, responses, letters, runs, disputes · writes: responses
insert into responses by name
with lines as (
    select
        s.*,
        lower(s.response) as verb,
        case when regexp_full_match(s.amount, '\d{1,16}(\.\d{1,2})?')
            then cast(s.amount as decimal(18, 2)) end as parsed_amount,
        case when regexp_full_match(s.score, '[1-5]') then cast(s.score as integer) end
            as parsed_score,
        coalesce(try_strptime(s.received_on, '%Y-%m-%d')::date, case when s.received_on is null
            then $as_of::date end) as received_day,
    from stage_responses as s
),

read as (
    select
        l.*,
        c.status as stored_status,
        c.campaign as claim_campaign,
        c.run_id as claim_run_id,
        c.claim_id is not null as known,
        exists (
            select 1 from quarantine as q where q.claim_id = l.claim_id and q.campaign = $campaign
        ) as quarantined_ref,
        -- with [payments] require_acceptance: the date the acceptance reminder gave (none
        -- before the reminder: the offer letter's date is then extended by it)
        (
            select min(r.as_of) from letters as t
            join runs as r on r.campaign = t.campaign and r.run_id = t.run_id
            where t.claim_id = l.claim_id and t.kind = 'acceptance_reminder'
        ) + $accept_within_days::integer as accept_by,
    from lines as l
    left join claims as c on c.claim_id = l.claim_id and c.campaign = $campaign
),

checked as (
    select
        l.*,
        -- an acceptance received by its date is taken, even when read after the offer lapsed
        case
            when l.stored_status = 'lapsed' and l.verb = 'accept' and l.received_day <= l.accept_by
                then 'offered'
            else l.stored_status
        end as claim_status,
        (
            select string_agg(o.expense_notes, ';') from offers as o
            where o.claim_id = l.claim_id and o.offer_version = 1
        ) as offer_notes,
        exists (select 1 from payment_instructions as p where p.claim_id = l.claim_id) as instructed,
        -- a dispute or appeal is open for [disputes] within_days from the letter it answers
        -- (without one: from the offer, else the day the claim was read)
        coalesce(
            (
                select min(r.as_of) from letters as t
                join runs as r on r.campaign = t.campaign and r.run_id = t.run_id
                where t.claim_id = l.claim_id and t.kind in ('offer', 'rejection')
            ),
            (select min(o.made_on) from offers as o where o.claim_id = l.claim_id),
            (select r.as_of from runs as r where r.campaign = l.claim_campaign and r.run_id = l.claim_run_id)
        ) + $dispute_days::integer as dispute_until,
        case
            when not l.__fields_ok then 'the line has not as many cells as the header'
            when l.claim_id is null then 'no claim_id'
            when l.verb is null then 'no response'
            when l.verb not in ('accept', 'evidence', 'dispute', 'withdraw', 'rating') then format(
                'response ''{}'' is not accept, evidence, dispute, withdraw or rating', l.response
            )
            when l.received_day is null
                then format('received_on ''{}'' is not a date (YYYY-MM-DD)', l.received_on)
            when l.received_day > $as_of::date
                then format('received_on {} is after the run''s as-of date', l.received_on)
            when l.verb = 'rating' and l.parsed_score is null
                then format('a rating needs a score from 1 to 5, not ''{}''', coalesce(l.score, ''))
            when l.verb <> 'rating' and l.score is not null
                then format('a score is given only with rating, not with {}', l.verb)
            when l.verb = 'evidence' and l.amount is not null and l.parsed_amount is null
                then format('amount ''{}'' is not a plain decimal with at most two places', l.amount)
            when l.verb <> 'evidence' and l.amount is not null
                then format('an amount is given only with evidence, not with {}', l.verb)
        end as problem,
    from read as l
),

fitted as (
    select
        k.*,
        case
            when k.verb = 'accept' and $require_acceptance::boolean and k.received_day > k.accept_by
                then format(
                    'the acceptance came on {}, after the accept-by date {}: the offer lapsed',
                    k.received_day, k.accept_by
                )
            when k.verb in ('accept', 'evidence', 'rating') and k.claim_status <> 'offered'
                then format('{} fits an offered claim; this one is {}', k.verb, k.claim_status)
            when k.verb = 'evidence' and not contains(coalesce(k.offer_notes, ''), 'expense_no_evidence')
                then 'the offer waited for no receipt'
            when k.verb = 'dispute' and k.claim_status not in ('offered', 'ineligible', 'rejected')
                then format('a {} claim cannot be disputed (an offered one, or an ineligible or rejected one appealed)', k.claim_status)
            when k.verb = 'dispute' and k.received_day > k.dispute_until
                then format('the dispute came after {}, [disputes] within_days of the letter', k.dispute_until)
            when k.verb = 'withdraw' and k.claim_status = 'offered' and k.instructed
                then 'the payment was instructed with the offer: an offered claim cannot be withdrawn'
            when k.verb = 'withdraw' and k.claim_status not in ('eligible', 'review', 'offered', 'withdrawn')
                then format('a {} claim cannot be withdrawn', k.claim_status)
        end as misfit,
        -- accept, evidence and withdraw count once per claim; a rating each time
        k.verb <> 'rating' and (
            exists (
                select 1 from responses as r
                where r.campaign = $campaign and r.claim_id = k.claim_id
                    and r.response = k.verb and r.outcome = 'taken'
            )
            or (k.verb = 'withdraw' and k.claim_status = 'withdrawn')
            -- one dispute or appeal per claim
            or (k.verb = 'dispute' and exists (select 1 from disputes as d where d.claim_id = k.claim_id))
        ) as taken_before,
    from checked as k
),

ranked as (
    select
        f.*,
        row_number() over (
            partition by f.claim_id, f.verb, f.known and f.problem is null and f.misfit is null
            order by f.line_no
        ) as nth,
    from fitted as f
),

outcomes as (
    select
        r.*,
        case
            when r.claim_id is not null and not r.known then 'unknown_claim'
            when r.problem is not null then 'invalid'
            when r.verb <> 'rating' and (r.taken_before or r.nth > 1) then 'repeated'
            when r.misfit is not null then 'not_fitting'
            else 'taken'
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
        o.verb as response,
        o.parsed_amount as amount,
        o.evidence,
        o.parsed_score as score,
        o.note,
        o.received_day as received_on,
        o.outcome,
        case o.outcome
            when 'unknown_claim' then case
                when o.quarantined_ref then 'a quarantined row, not a claim: its customer '
                    || 'corrects it with a new customer-list row quoting it in cure_ref'
                else 'no such claim in the campaign'
            end
            when 'invalid' then o.problem
            when 'repeated' then format('the claim''s {} was taken before; this line is ignored', o.verb)
            when 'not_fitting' then o.misfit
        end as reason,
    from outcomes as o
)

select * from final
