-- entitlements without a primary-key index: at 10M claims keeping the index took 20 of the
-- 26 s it costs to write them. One row per claim is checked by the statement
-- compensate/entitlements_doubled before every commit that writes them; offers, made from
-- them, keep their key.

create table entitlements_unkeyed (
    claim_id       varchar not null,
    campaign       varchar not null,
    run_id         varchar not null,
    tier           varchar not null,
    goodwill_unit  decimal(18, 2) not null,
    goodwill       decimal(18, 2) not null,
    bonus_rate     decimal(9, 6) not null,
    bonus          decimal(18, 2) not null,
    expenses       decimal(18, 2) not null,
    total          decimal(18, 2) not null,
    holdback       decimal(18, 2) not null,   -- held from the reserve while under review
    expense_notes  varchar not null,          -- expense_excluded:<type>;expense_no_evidence;...
    review_reasons varchar not null           -- harm;flag:<name>;amount;units
);

insert into entitlements_unkeyed select * from entitlements;

drop table entitlements;

alter table entitlements_unkeyed rename to entitlements;
