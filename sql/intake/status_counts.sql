-- one row per status of the campaign's input rows (quarantined rows and claims)
-- reads: quarantine, claims · writes: nothing
with final as (
    select 'quarantined' as status, count(*) as rows
    from quarantine
    where campaign = $campaign
    union all
    select status, count(*) as rows
    from claims
    where campaign = $campaign
    group by status
)

select * from final order by status
