-- one row per letters folder this database made for a run that recorded no letter (it died)
-- reads: letter_folders, letters · writes: nothing
select f.run_id
from letter_folders as f
where f.campaign = $campaign
    and not exists (
        select 1 from letters as l where l.campaign = f.campaign and l.run_id = f.run_id
    )
