-- removes the campaign's duplicate rows before they are worked out again
delete from duplicates where campaign = $campaign
