-- deficiency and cure (SPEC §11): a quarantined row keeps its reference and what a letter asking
-- for the missing details needs; a later row quoting that reference (cure_ref) replaces it

alter table quarantine add column claim_id varchar;          -- the reference the customer quotes
update quarantine set claim_id = substr(file_sha256, 1, 12) || '-' || printf('%07d', line_no);
alter table quarantine add column customer_name varchar;     -- contact details, normalised as a
alter table quarantine add column email varchar;             -- claim's (null for rows quarantined
alter table quarantine add column phone varchar;             -- before this version: they get no
alter table quarantine add column postal_address varchar;    -- deficiency letter)
alter table quarantine add column language varchar;
alter table quarantine add column preferred_channel varchar;
alter table quarantine add column claim_date date;
alter table quarantine add column cured_by varchar;          -- the claim that replaced the row

alter table claims add column cure_of varchar;               -- the quarantined row it answers
alter table claims add column cure_late boolean not null default false;
