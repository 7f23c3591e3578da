-- one row per reconciliation item of the campaign: removed, every reconcile run rebuilds them
-- reads: nothing · writes: reconciliation_items
delete from reconciliation_items where campaign = $campaign
