-- one row per claim of the campaign still open to the rules: eligible or ineligible, with reasons
-- reads: claims · writes: claims
update claims as c
set
    status = case when r.reasons = '' then 'eligible' else 'ineligible' end,
    reasons = r.reasons,
    duplicate_of = null
from (
    with rules as (
        select
            $skus::varchar[] as skus,
            $serial_ranges::struct(lo varchar, hi varchar)[] as ranges,
            $lots::varchar[] as lots,
            $window_start::date as window_start,
            $window_end::date as window_end,
            $claim_deadline::date as claim_deadline,
    ),

    open_claims as (
        select * from claims
        where campaign = $campaign and status in ('eligible', 'ineligible', 'duplicate')
    ),

    unit_checks as (
        select
            o.*,
            rules.*,
            o.serial_no is not null and len(list_filter(
                rules.ranges,
                lambda r: length(r.lo) = length(o.serial_no) and o.serial_no between r.lo and r.hi
            )) > 0 as serial_ok,
            o.lot_code is not null and list_contains(rules.lots, o.lot_code) as lot_ok,
        from open_claims as o
        cross join rules
    ),

    final as (
        select
            u.claim_id,
            array_to_string(list_sort(list_filter([
                case when not list_contains(u.skus, u.sku) then 'not_affected_sku' end,
                case
                    when len(u.ranges) > 0 and u.serial_no is not null
                        and not (u.serial_ok or u.lot_ok) then 'serial_out_of_range'
                end,
                case
                    when len(u.lots) > 0 and u.lot_code is not null
                        and not (u.serial_ok or u.lot_ok) then 'lot_not_affected'
                end,
                case
                    when u.purchase_date not between u.window_start and u.window_end
                        then 'purchase_outside_window'
                end,
                case when u.claim_date > u.claim_deadline then 'claim_after_deadline' end,
                case when u.cure_late then 'cure_after_deadline' end,
            ], lambda x: x is not null)), ';') as reasons,
        from unit_checks as u
    )

    select * from final
) as r
where c.claim_id = r.claim_id
