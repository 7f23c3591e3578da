-- one row per bank statement of a payout file read by this run, with its fate
-- reads: statement_fates (the file's statements, from Python) · writes: payout_statements
insert into payout_statements by name
select f.* from statement_fates as f
