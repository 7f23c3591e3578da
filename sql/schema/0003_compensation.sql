-- compensation: entitlements, binding offers, review decisions, reserve ledger, payment instructions

alter table runs add column prorate_factor decimal(7, 6);

create table entitlements (
    claim_id       varchar primary key,
    campaign       varchar not null,
    run_id         varchar not null,
    tier           varchar not null,
    goodwill_unit  decimal(18, 2) not null,
    goodwill       decimal(18, 2) not null,
    bonus_rate     decimal(9, 6) not null,
    bonus          decimal(18, 2) not null,
    expenses       decimal(18, 2) not null,
    total          decimal(18, 2) not null,
    holdback       decimal(18, 2) not null,   -- held from the reserve while under review
    expense_notes  varchar not null,          -- expense_excluded:<type>;expense_no_evidence;...
    review_reasons varchar not null           -- harm;flag:<name>;amount;units
);

create table offers (
    claim_id       varchar primary key,       -- one binding offer per claim; never updated
    campaign       varchar not null,
    run_id         varchar not null,
    offer_version  integer not null,
    source         varchar not null,          -- auto | approve | override
    tier           varchar not null,
    goodwill       decimal(18, 2) not null,
    bonus          decimal(18, 2) not null,
    expenses       decimal(18, 2) not null,
    adjustment     decimal(18, 2) not null,   -- reviewer override minus the computed total
    total          decimal(18, 2) not null,
    prorate_factor decimal(7, 6),
    expense_notes  varchar not null,
    made_on        date not null
);

create table review_decisions (
    campaign    varchar not null,
    file_sha256 varchar not null,
    line_no     bigint not null,
    run_id      varchar not null,
    claim_id    varchar,
    decision    varchar,
    amount      decimal(18, 2),
    reviewer    varchar,
    note        varchar,
    outcome     varchar not null,             -- accepted | unknown_claim | already_decided | not_in_review | invalid
    primary key (file_sha256, line_no)
);

create table reserve_ledger (
    campaign    varchar not null,
    entry_no    integer not null,
    amount      decimal(18, 2) not null,
    note        varchar not null,
    recorded_on date not null,
    primary key (campaign, entry_no)
);

create table payment_instructions (
    payment_ref    varchar primary key,
    campaign       varchar not null,
    claim_id       varchar not null,
    run_id         varchar not null,
    payee          varchar not null,
    contact        varchar not null,
    amount         decimal(18, 2) not null,
    currency       varchar not null,
    instructed_on  date not null,
    reissue_of     varchar
);

-- an amount rounded down to the cent, exactly (no division: DuckDB divides decimals as floats)
create or replace macro recall_floor_cent(x) as
    (floor(x * 100)::hugeint * 0.01)::decimal(18, 2);
