-- one row per lapse undone: the offer's acceptance was received by its date but read after it lapsed
-- reads: responses · writes: offers_released
delete from offers_released as x
where x.campaign = $campaign
    and x.reason = 'lapsed'
    and recall_accepted(x.claim_id)
