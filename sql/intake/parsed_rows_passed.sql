-- one row: how many rows of the file being read passed every check
-- reads: parsed_rows · writes: nothing
select count(*) as passed from parsed_rows where quarantine_reasons = ''
