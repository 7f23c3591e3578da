-- one row per candidate: its binding offer or supplement (automatic goodwill and bonus scaled)
-- reads: offer_candidates · writes: offers
insert into offers by name
with scaled as (
    select
        c.*,
        c.source = 'auto' and $factor::decimal(7, 6) is not null as prorated,
    from offer_candidates as c
),

final as (
    select
        s.claim_id,
        $campaign as campaign,
        $run_id as run_id,
        s.offer_version,
        s.source,
        s.tier,
        case when s.prorated then recall_floor_cent(s.goodwill * $factor::decimal(7, 6))
            else s.goodwill end as goodwill,
        case when s.prorated then recall_floor_cent(s.bonus * $factor::decimal(7, 6))
            else s.bonus end as bonus,
        s.expenses,
        s.adjustment,
        s.expense_notes,
        case when s.prorated then $factor::decimal(7, 6) end as prorate_factor,
        $as_of::date as made_on,
    from scaled as s
)

select *, (goodwill + bonus + expenses + adjustment)::decimal(18, 2) as total from final
