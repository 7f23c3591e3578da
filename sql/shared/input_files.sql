-- one input_files row: which file, its sha256 and archive copy, and what became of it
-- reads: nothing · writes: input_files
insert into input_files (
    campaign, sha256, kind, file_name, archived_path, size_bytes, ingest_seq, run_id, status,
    rows_read, error
)
values (
    $campaign, $sha256, $kind, $file_name, $archived_path, $size_bytes, $ingest_seq, $run_id,
    $status, $rows_read, $error
)
