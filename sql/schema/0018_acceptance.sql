-- offers a customer must accept (SPEC §11, [payments] require_acceptance): an offer released —
-- lapsed after its reminder, or withdrawn before its instruction — is no longer committed; the
-- offer rows stay as they were made, the release is recorded beside them, once per claim
create table offers_released (
    claim_id    varchar primary key,
    campaign    varchar not null,
    run_id      varchar not null,
    released_on date not null,
    reason      varchar not null              -- lapsed | withdrawn
);

-- the offers that bind the reserve: every version of every claim whose offer was not released
-- (what "committed" counts, with the holdbacks of claims in review: shared/budget.Position)
create or replace macro recall_binding_offers(campaign_id) as table
    select o.*
    from offers as o
    where o.campaign = campaign_id
        and not exists (select 1 from offers_released as r where r.claim_id = o.claim_id);

-- a claim's taken acceptance (SPEC §11): one `accept` response line taken for it
create or replace macro recall_accepted(claim) as
    exists (
        select 1 from responses as r
        where r.claim_id = claim and r.response = 'accept' and r.outcome = 'taken'
    );
