-- the campaign's reconciliation items are rebuilt by every reconcile run
delete from reconciliation_items where campaign = $campaign
