-- one runs row: a run recorded as running
-- reads: nothing · writes: runs
insert into runs (run_id, prefect_flow_run_id, campaign, flow, as_of, status)
values ($run_id, $prefect_flow_run_id, $campaign, $flow, $as_of, 'running')
