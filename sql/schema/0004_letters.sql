-- letters: one row per letter written, once per (claim, kind, offer version)

create table letters (
    letter_id       varchar primary key,     -- <claim_id>-<kind>-v<version>
    campaign        varchar not null,
    claim_id        varchar not null,
    kind            varchar not null,        -- offer | acknowledgement | rejection
    offer_version   integer not null,
    language        varchar not null,
    channel         varchar not null,        -- email | post | sms
    run_id          varchar not null,
    path            varchar not null,        -- HTML (email), text (sms) or batch PDF (post)
    text_path       varchar,                 -- plain text beside the HTML of an email
    pages           varchar,                 -- first-last page in the batch PDF (post)
    sha256          varchar not null,        -- of the file at path
    template_sha256 varchar not null,        -- of the template the letter was rendered from
    total           decimal(18, 2)           -- the offer's total (offers only)
);
