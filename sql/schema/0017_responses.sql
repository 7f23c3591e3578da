-- the customer's side of a claim (SPEC §11): responses from inbox/<c>/responses/, and binding
-- supplementary offers — an offer is now one row per (claim, offer version): version 1 the
-- first offer, later versions increments (evidence, a dispute decided above the offer), each
-- with its own payment instruction and letter

create table offers_versioned (
    claim_id       varchar not null,
    campaign       varchar not null,
    run_id         varchar not null,
    offer_version  integer not null,
    source         varchar not null,          -- auto | approve | override | evidence | dispute
    tier           varchar not null,
    goodwill       decimal(18, 2) not null,
    bonus          decimal(18, 2) not null,
    expenses       decimal(18, 2) not null,
    adjustment     decimal(18, 2) not null,   -- reviewer override minus the computed total
    total          decimal(18, 2) not null,
    prorate_factor decimal(7, 6),
    expense_notes  varchar not null,
    made_on        date not null,
    primary key (claim_id, offer_version)      -- never updated
);

insert into offers_versioned by name select * from offers;

drop table offers;

alter table offers_versioned rename to offers;

alter table payment_instructions add column offer_version integer default 1;

update payment_instructions set offer_version = 1 where offer_version is null;

create table responses (
    campaign    varchar not null,
    file_sha256 varchar not null,
    line_no     bigint not null,
    run_id      varchar not null,
    claim_id    varchar,
    response    varchar,                      -- accept | evidence | dispute | withdraw | rating
    amount      decimal(18, 2),
    evidence    varchar,
    score       integer,
    note        varchar,
    received_on date,
    outcome     varchar not null,             -- taken | unknown_claim | not_fitting | repeated | invalid
    reason      varchar,                      -- why a line did not count, in words
    primary key (file_sha256, line_no)
);

-- the expenses reimbursed of documented costs: up to the tier's cap (SPEC §5), for the first
-- offer and for receipts sent later alike
create or replace macro recall_expenses_reimbursed(documented, cap) as
    least(documented, cap)::decimal(18, 2);

-- a claim's offers as one: the first offer's terms, the money of every version added up
create or replace macro recall_claim_offers(campaign_id) as table
    select
        claim_id,
        arg_min(tier, offer_version) as tier,
        arg_min(source, offer_version) as source,
        sum(goodwill)::decimal(18, 2) as goodwill,
        sum(bonus)::decimal(18, 2) as bonus,
        sum(expenses)::decimal(18, 2) as expenses,
        sum(adjustment)::decimal(18, 2) as adjustment,
        sum(total)::decimal(18, 2) as total,
        arg_min(prorate_factor, offer_version) as prorate_factor,
        arg_min(expense_notes, offer_version) as expense_notes,
        min(made_on) as made_on,
        count(*) as versions,
    from offers
    where campaign = campaign_id
    group by claim_id;

-- disputes and appeals (SPEC §11): one per claim, opened by a `dispute` response, decided by a
-- review decision line marked as the dispute's
create table disputes (
    claim_id    varchar primary key,
    campaign    varchar not null,
    kind        varchar not null,             -- dispute (an offered claim) | appeal (ineligible, rejected)
    opened_on   date not null,                -- the response's received_on
    run_id      varchar not null,
    file_sha256 varchar not null,             -- the response line that opened it
    line_no     bigint not null
);

alter table review_decisions add column dispute boolean default false;

update review_decisions set dispute = false where dispute is null;

-- the disputes and appeals of a campaign waiting for a reviewer's decision
create or replace macro recall_open_disputes(campaign_id) as table
    select d.*
    from disputes as d
    where d.campaign = campaign_id
        and not exists (
            select 1 from review_decisions as r
            where r.claim_id = d.claim_id and r.dispute and r.outcome = 'accepted'
        );

-- since when each review waits, now with disputes and appeals (SPEC §11): `since` is the day of
-- the latest letter that promised a reply (its acknowledgement or its latest review follow-up;
-- else the day it went to review), `waiting_since` the day it first waited, `follow_ups` how
-- many follow-ups it had, `promised` whether a letter gave a reply-by date; reply-by is since +
-- [review] reply_within_days
create or replace view review_waits as
with promised as (
    select
        l.campaign,
        l.claim_id,
        min(r.as_of) as first_letter,
        max(r.as_of) as last_letter,
        count(*) filter (where l.kind = 'review_follow_up') as follow_ups,
    from letters as l
    join runs as r on r.campaign = l.campaign and r.run_id = l.run_id
    where l.kind in ('acknowledgement', 'review_follow_up')
    group by l.campaign, l.claim_id
),

claims_waiting as (
    select
        c.campaign,
        c.claim_id,
        'review' as subject,
        coalesce(p.first_letter, r.as_of) as waiting_since,
        coalesce(p.last_letter, r.as_of) as since,
        coalesce(p.follow_ups, 0) as follow_ups,
        p.last_letter is not null as promised,
    from claims as c
    join entitlements as e using (claim_id)
    left join runs as r on r.campaign = e.campaign and r.run_id = e.run_id
    left join promised as p on p.campaign = c.campaign and p.claim_id = c.claim_id
    where c.status = 'review'
),

disputes_waiting as (
    -- a dispute waits from the day it was opened; letters before it promised nothing about it
    select
        d.campaign,
        d.claim_id,
        d.kind as subject,
        d.opened_on as waiting_since,
        greatest(d.opened_on, coalesce(p.last_letter, d.opened_on)) as since,
        coalesce(p.follow_ups, 0) as follow_ups,
        coalesce(p.last_letter >= d.opened_on, false) as promised,
    from disputes as d
    left join promised as p on p.campaign = d.campaign and p.claim_id = d.claim_id
    where not exists (
        select 1 from review_decisions as r
        where r.claim_id = d.claim_id and r.dispute and r.outcome = 'accepted'
    )
)

select * from claims_waiting
union all
select * from disputes_waiting;
