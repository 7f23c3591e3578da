-- one row per status of the campaign's input rows (quarantined rows and claims)
-- reads: quarantine, claims · writes: nothing
with final as (
    select case when cured_by is null then 'quarantined' else 'cured' end as status, count(*) as rows
    from quarantine
    where campaign = $campaign
    group by all
    union all
    select status, count(*) as rows
    from claims
    where campaign = $campaign
    group by status
)

select * from final order by status
