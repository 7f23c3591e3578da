-- one row for the campaign: reviews waiting (claims, disputes), how many past reply-by at $as_of, the oldest
-- reads: review_waits · writes: nothing
with final as (
    select
        count(*) as waiting,
        count(*) filter (where since + to_days($reply_within_days) < $as_of) as overdue,
        max($as_of - waiting_since) as oldest_days,
    from review_waits
    where campaign = $campaign
)

select * from final
