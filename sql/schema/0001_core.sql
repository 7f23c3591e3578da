-- core tables: runs, input files, claims, quarantine, duplicates

create sequence if not exists ingest_seq start 1;

create table runs (
    run_id      varchar not null,
    prefect_flow_run_id varchar,
    campaign    varchar not null,
    flow        varchar not null,
    as_of       date not null,
    status      varchar not null,          -- running | completed | failed
    counts      json,
    message     varchar,
    started_at  timestamp not null default current_timestamp,
    finished_at timestamp,
    primary key (campaign, run_id)
);

create table input_files (
    campaign      varchar not null,
    sha256        varchar not null,
    kind          varchar not null,        -- lists | reviews | payouts
    file_name     varchar not null,        -- as dropped in the inbox
    archived_path varchar not null,
    size_bytes    bigint not null,
    ingest_seq    bigint not null,
    run_id        varchar not null,
    status        varchar not null,        -- loaded | rejected
    rows_read     bigint,
    error         varchar,
    primary key (campaign, sha256, ingest_seq)
);

create table claims (
    claim_id            varchar primary key,
    campaign            varchar not null,
    run_id              varchar not null,
    file_sha256         varchar not null,
    source_file         varchar not null,
    line_no             bigint not null,
    ingest_seq          bigint not null,
    source_record_id    varchar not null,
    customer_name       varchar not null,
    email               varchar,
    phone               varchar,
    postal_address      varchar,
    customer_ref        varchar,
    customer_key        varchar not null,
    sku                 varchar not null,
    serial_no           varchar,
    lot_code            varchar,
    purchase_date       date not null,
    purchase_price      decimal(18, 2) not null,
    quantity            integer not null,
    claim_date          date not null,
    channel             varchar not null,
    region              varchar,
    language            varchar not null,
    preferred_channel   varchar,
    harm                varchar not null,
    documented_expenses decimal(18, 2) not null,
    expense_type        varchar,
    expense_evidence    boolean not null,
    flags               varchar[] not null,
    status              varchar not null,  -- ineligible | duplicate | eligible (later flows add more)
    reasons             varchar not null default '',
    duplicate_of        varchar
);

create table quarantine (
    campaign         varchar not null,
    run_id           varchar not null,
    file_sha256      varchar not null,
    source_file      varchar not null,
    line_no          bigint not null,
    ingest_seq       bigint not null,
    source_record_id varchar,
    reasons          varchar not null,
    raw              json not null,       -- the row's cells as read, verbatim
    primary key (file_sha256, line_no)
);

create table duplicates (
    claim_id     varchar primary key,
    campaign     varchar not null,
    duplicate_of varchar not null,
    unit_key     varchar not null
);
