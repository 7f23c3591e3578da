-- one row per dispute or appeal a customer's taken `dispute` response opens: to review
-- reads: responses, claims, disputes · writes: disputes
insert into disputes by name
with final as (
    select
        r.claim_id,
        $campaign as campaign,
        case when c.status = 'offered' then 'dispute' else 'appeal' end as kind,
        r.received_on as opened_on,
        r.run_id,
        r.file_sha256,
        r.line_no,
    from responses as r
    join claims as c using (claim_id)
    where r.campaign = $campaign
        and r.response = 'dispute'
        and r.outcome = 'taken'
        and not exists (select 1 from disputes as d where d.claim_id = r.claim_id)
)

select * from final
