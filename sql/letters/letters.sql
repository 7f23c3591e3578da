-- one row per letter written in this run, from the run's manifest
-- reads: manifest_rows · writes: letters
insert into letters by name
with final as (
    select
        m.letter_id,
        $campaign as campaign,
        m.claim_id,
        m.kind,
        m.offer_version,
        m.language,
        m.channel,
        $run_id as run_id,
        m.path,
        m.line,
        m.pages,
        m.sha256,
        m.template_sha256,
        m.total,
    from manifest_rows as m
)

select * from final
