-- bank statements as read (SPEC §7): each statement's fate, the position of a transaction
-- inside a batch entry, and payout quarantine keyed by it (a batch's transactions share their
-- entry number, and two of them quarantined clashed on the old key)

create table payout_statements (
    campaign        varchar not null,
    run_id          varchar not null,
    file_sha256     varchar not null,
    source_file     varchar not null,
    format          varchar not null,  -- camt.053.001.08 | mt940 | …
    statement_no    integer not null,  -- its position in the file
    statement_id    varchar not null,
    account         varchar,
    content_sha256  varchar not null,  -- of what it says: a repeat has the same, a correction not
    entries         bigint not null,   -- booked transactions
    payouts_loaded  bigint not null,
    quarantined     bigint not null,
    not_ours        bigint not null,
    currency        varchar,
    opening_balance decimal(18, 2),
    closing_balance decimal(18, 2),
    balance_ok      boolean,           -- null when the statement carries no balances
    status          varchar not null,  -- loaded | skipped (seen before) | rejected
    message         varchar not null
);

alter table payouts add column detail_no integer default 0;

create table payout_quarantine_keyed (
    campaign         varchar not null,
    run_id           varchar not null,
    file_sha256      varchar not null,
    source_file      varchar not null,
    line_no          bigint not null,   -- line of a CSV/XLSX or MT940 file, entry of a camt file
    detail_no        integer not null default 0,  -- transaction within a camt batch entry
    ingest_seq       bigint not null,
    source_record_id varchar,
    reasons          varchar not null,
    raw              json not null,
    primary key (file_sha256, line_no, detail_no)
);

insert into payout_quarantine_keyed by name select q.*, 0 as detail_no from payout_quarantine as q;

drop table payout_quarantine;

alter table payout_quarantine_keyed rename to payout_quarantine;
