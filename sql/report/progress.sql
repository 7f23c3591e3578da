-- one row per period ($period: week from the announcement, or calendar month) up to as_of: the recall progress report, cumulative
-- reads: claim_facts · writes: nothing
-- (customers notified: their first letter, by its channel; remedied: paid; injuries: registered
-- claims reporting an injury)
with starts as (
    select unnest(generate_series(
        case
            when $period = 'month' then date_trunc('month', $announced_on::date)
            else $announced_on::date
        end,
        $as_of::date,
        case when $period = 'month' then interval 1 month else interval 7 day end
    ))::date as period_start
),

periods as (
    select
        s.period_start,
        least(
            (lead(s.period_start) over (order by s.period_start) - 1)::date,
            (s.period_start + case when $period = 'month' then interval 1 month else interval 7 day end - interval 1 day)::date,
            $as_of::date
        ) as period_end,
        case
            when $period = 'month' then strftime(s.period_start, '%Y-%m')
            else 'week ' || row_number() over (order by s.period_start)
        end as period,
    from starts as s
),

events as (
    select f.claim_date as day, 'registered' as what, f.quantity as n,
    from claim_facts as f
    where f.registered
    union all
    select f.paid_on, 'remedied', f.quantity,
    from claim_facts as f
    where f.registered and f.paid_on is not null
    union all
    select f.notified_on, 'notified_' || f.notified_channel, 1,
    from claim_facts as f
    where f.notified_on is not null
    union all
    select f.claim_date, 'injuries', 1,
    from claim_facts as f
    where f.registered and f.harm = 'injury'
),

daily as (
    select e.day, e.what, sum(e.n)::bigint as n,
    from events as e
    group by all
),

final as (
    select
        p.period,
        p.period_start,
        p.period_end,
        $units_affected::bigint as units_affected,
        coalesce(sum(d.n) filter (where d.what like 'notified_%'), 0)::bigint as customers_notified,
        coalesce(sum(d.n) filter (where d.what = 'notified_email'), 0)::bigint as notified_email,
        coalesce(sum(d.n) filter (where d.what = 'notified_post'), 0)::bigint as notified_post,
        coalesce(sum(d.n) filter (where d.what = 'notified_sms'), 0)::bigint as notified_sms,
        coalesce(sum(d.n) filter (where d.what = 'registered'), 0)::bigint as units_registered,
        coalesce(sum(d.n) filter (where d.what = 'remedied'), 0)::bigint as units_remedied,
        round(coalesce(sum(d.n) filter (where d.what = 'remedied'), 0) / $units_affected, 4)
            as completion_rate,
        coalesce(sum(d.n) filter (where d.what = 'injuries'), 0)::bigint as injuries_reported,
    from periods as p
    left join daily as d on d.day <= p.period_end
    group by all
)

select * from final order by period_start
