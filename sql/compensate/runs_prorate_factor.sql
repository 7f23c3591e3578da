-- one row per run of the campaign: the pro-rata factor its offers were made with
-- reads: nothing · writes: runs
update runs
set prorate_factor = $factor
where campaign = $campaign and run_id = $run_id
