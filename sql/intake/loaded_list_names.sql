-- one row per name a customer list of the campaign was loaded under, by name
-- reads: input_files · writes: nothing
select distinct file_name
from input_files
where campaign = $campaign and kind = 'lists' and status = 'loaded'
order by 1
