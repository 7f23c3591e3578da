-- one runs row: a run's end, its status, message and counts
-- reads: nothing · writes: runs
update runs
set status = $status, message = $message, counts = $counts, finished_at = current_timestamp
where campaign = $campaign and run_id = $run_id
