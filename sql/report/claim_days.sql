-- one row per early-response band (up to $band_days[n] days after the announcement, bonus $band_rates[n]) and one after the last: registered claims and their share
-- reads: claim_facts · writes: nothing
with bands as (
    select
        b.band,
        coalesce(($band_days::integer[])[b.band - 1] + 1, 0) as from_day,
        ($band_days::integer[])[b.band] as to_day,
        coalesce(($band_rates::varchar[])[b.band]::double, 0) as bonus_rate,
    from (select unnest(range(1, len($band_days::integer[]) + 2)) as band) as b
),

banded as (
    select
        len(list_filter($band_days::integer[], lambda d: d < f.days_to_claim)) + 1 as band,
        f.quantity,
    from claim_facts as f
    where f.registered
),

final as (
    select
        recall_days_span(b.from_day, b.to_day) as days_after_announcement,
        b.bonus_rate,
        count(k.band) as claims,
        coalesce(sum(k.quantity), 0)::bigint as units,
        round(count(k.band) / nullif(sum(count(k.band)) over (), 0), 4) as share,
    from bands as b
    left join banded as k using (band)
    group by b.band, b.from_day, b.to_day, b.bonus_rate
    order by b.band
)

select * from final
