-- reconciliation: payouts from provider files and bank statements, reissue chains, classes

create table payouts (
    provider_txn_id varchar primary key,  -- loading is idempotent on it
    campaign        varchar not null,
    payment_ref     varchar,              -- ours, when the provider or bank carried it
    amount          decimal(18, 2) not null,
    currency        varchar not null,
    status          varchar not null,     -- paid | failed | returned | reversed
    value_date      date not null,
    return_reason   varchar,              -- ISO 20022 reason code of a return, if given
    file_sha256     varchar not null,
    source_file     varchar not null,
    line_no         bigint not null,
    run_id          varchar not null
);

-- a reissue continues the chain of its first instruction; attempt 1 is the original
alter table payment_instructions add column attempt integer default 1;
alter table payment_instructions add column chain_ref varchar;

-- every instruction and every payout in exactly one class, as of the last reconcile run
create table reconciliation_items (
    campaign        varchar not null,
    run_id          varchar not null,
    as_of           date not null,
    item            varchar not null,     -- instruction | payout
    class           varchar not null,     -- matched | underpaid | overpaid | duplicate_payment |
                                          -- unknown_ref | currency_mismatch | failed |
                                          -- unpayable | outstanding
    payment_ref     varchar,
    provider_txn_id varchar,              -- payouts only
    chain_ref       varchar,              -- the first instruction of the chain
    claim_id        varchar,
    instructed      decimal(18, 2),       -- the instruction's amount
    paid            decimal(18, 2),       -- net paid (instruction) or the payout's amount
    currency        varchar,
    day             date,                 -- instructed_on or value_date
    age_days        integer,              -- outstanding instructions only
    aging           varchar,              -- 0-7 | 8-30 | >30 (outstanding only)
    return_reason   varchar
);
