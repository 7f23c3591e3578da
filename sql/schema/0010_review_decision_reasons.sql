-- review decisions keep why a line did not count (SPEC §5: reported with file, line and reason)

alter table review_decisions add column reason varchar;

-- overrides accepted before amounts were checked, without a usable amount and not yet offered,
-- never become an offer (they failed every compensate): invalid, so a corrected line is taken
update review_decisions as d
set outcome = 'invalid',
    reason = 'override amount missing or below 0.01 (re-checked when amounts were first checked)'
where d.outcome = 'accepted'
    and d.decision = 'override'
    and (d.amount is null or d.amount < 0.01)
    and not exists (select 1 from offers as o where o.claim_id = d.claim_id);
