-- one row per letters manifest on disk listing letters the database does not know
-- reads: $manifests, letters · writes: nothing
-- ($manifests: the letters manifests on disk, out/<c>/letters/<run>/manifest.parquet)
with on_disk as (
    select filename as manifest, letter_id
    from read_parquet($manifests, filename = true)
),

final as (
    select manifest, count(*) as letters, min(letter_id) as first_letter
    from on_disk as d
    where not exists (select 1 from letters as l where l.letter_id = d.letter_id)
    group by manifest
)

select * from final order by manifest
