-- one row per duplicate of the campaign: removed before they are worked out again
-- reads: nothing · writes: duplicates
delete from duplicates where campaign = $campaign
