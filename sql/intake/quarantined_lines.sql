-- one row per quarantined data row of the file being loaded: its line number
-- reads: parsed_rows · writes: nothing
select line_no from parsed_rows where quarantine_reasons <> ''
