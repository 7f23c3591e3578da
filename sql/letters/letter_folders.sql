-- one row per letters folder this database made: the run's, recorded before it is made
-- reads: nothing · writes: letter_folders
insert into letter_folders values ($campaign, $run_id) on conflict do nothing
