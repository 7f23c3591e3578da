-- payout lines that cannot be read, kept apart from the customer-list rows of `quarantine`: a
-- payout line is never a claim, so it is never counted, exported or requeued as one (it was
-- while both shared that table). Lines quarantined before are moved here.

create table payout_quarantine (
    campaign         varchar not null,
    run_id           varchar not null,
    file_sha256      varchar not null,
    source_file      varchar not null,
    line_no          bigint not null,   -- line of a CSV/XLSX, entry of a camt or MT940 file
    ingest_seq       bigint not null,
    source_record_id varchar,           -- the provider's transaction id, as read
    reasons          varchar not null,
    raw              json not null,     -- the line's cells as read, verbatim
    primary key (file_sha256, line_no)
);

insert into payout_quarantine by name
select q.*
from quarantine as q
where q.file_sha256 in (select f.sha256 from input_files as f where f.kind = 'payouts');

delete from quarantine
where file_sha256 in (select f.sha256 from input_files as f where f.kind = 'payouts');
