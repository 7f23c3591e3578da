-- one row for the campaign: top-ups, binding offers (released ones aside), holdbacks and count of pending reviews
-- reads: reserve_ledger, offers, offers_released, claims, entitlements · writes: nothing
with final as (
    select
        (select coalesce(sum(amount), 0) from reserve_ledger where campaign = $campaign)
            ::decimal(38, 2) as top_ups,
        (select coalesce(sum(total), 0) from recall_binding_offers($campaign))
            ::decimal(38, 2) as offered,
        (
            select coalesce(sum(e.holdback), 0)
            from claims as c
            join entitlements as e using (claim_id)
            where c.campaign = $campaign and c.status = 'review'
        )::decimal(38, 2) as held_back,
        (select count(*) from claims where campaign = $campaign and status = 'review')
            as pending_reviews,
)

select * from final
