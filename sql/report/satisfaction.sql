-- one row for the campaign and one per region and channel: paid claims, payment follow-ups sent, ratings given (1–5)
-- reads: claim_facts · writes: nothing
with counted as (
    select
        case
            when grouping(f.region) = 0 then 'region'
            when grouping(f.channel) = 0 then 'channel'
            else 'campaign'
        end as dimension,
        coalesce(f.region, f.channel, 'all') as value,
        count(*) filter (where f.paid_on is not null) as paid,
        count(*) filter (where f.follow_up_on is not null) as follow_ups,
        count(*) filter (where f.score is not null) as answered,
        round(avg(f.score), 2) as average_score,
        count(*) filter (where f.score = 1) as score_1,
        count(*) filter (where f.score = 2) as score_2,
        count(*) filter (where f.score = 3) as score_3,
        count(*) filter (where f.score = 4) as score_4,
        count(*) filter (where f.score = 5) as score_5,
    from claim_facts as f
    where f.registered
    group by grouping sets ((f.region), (f.channel), ())
),

final as (
    select
        c.dimension,
        c.value,
        c.paid,
        c.follow_ups,
        c.answered,
        round(c.answered / nullif(c.follow_ups, 0), 4) as answered_share,
        c.* exclude (dimension, value, paid, follow_ups, answered),
    from counted as c
)

select * from final
order by list_position(['campaign', 'region', 'channel'], dimension), value
