-- one row per bank statement of a payout file read by this run, with its fate
-- reads: statement_fates · writes: payout_statements
-- (statement_fates: the file's statements and their fates, registered from Python)
insert into payout_statements by name
select f.* from statement_fates as f
