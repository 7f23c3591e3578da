-- one row per instruction file on disk holding payment refs the database does not know
-- reads: $instruction_files, payment_instructions · writes: nothing
-- ($instruction_files: the instruction files on disk, out/<c>/instructions/*.csv)
with on_disk as (
    select parse_filename(filename) as file_name, payment_ref
    from read_csv($instruction_files, header = true, all_varchar = true, filename = true, union_by_name = true)
),

final as (
    select file_name, count(*) as refs, min(payment_ref) as first_ref
    from on_disk as d
    where not exists (select 1 from payment_instructions as p where p.payment_ref = d.payment_ref)
    group by file_name
)

select * from final order by file_name
