-- one row per eligible claim that loses to an earlier claim of the same unit
-- reads: claims · writes: duplicates
insert into duplicates by name
with contenders as (
    select
        c.claim_id,
        c.status,
        c.sku,
        c.serial_no,
        c.lot_code,
        c.customer_key,
        c.purchase_date,
        c.claim_date,
        c.ingest_seq,
        c.source_record_id,
        -- claims past eligibility (reviewed, offered, ...) are settled and always win
        c.status <> 'eligible' as settled,
        c.serial_no is null as by_lot,
        -- one unit: a serial number, else a lot bought by one customer on one day
        case when c.serial_no is null then c.lot_code end as unit_lot,
        case when c.serial_no is null then c.customer_key end as unit_customer,
        case when c.serial_no is null then c.purchase_date end as unit_day,
        hash(by_lot, c.sku, c.serial_no, unit_lot, unit_customer, unit_day) as unit_hash,
    from claims as c
    where c.campaign = $campaign and c.status not in ('ineligible', 'duplicate')
),

-- units claimed more than once, by a hash of the unit's columns; only their claims are ranked
-- (a window over every claim would sort them all). Grouping by the one hash keeps the table of
-- groups small (at 10M claims, grouping by the six columns spilled); two units sharing a hash
-- only have both ranked, each in its own window partition.
shared_units as (
    select unit_hash
    from contenders
    group by unit_hash
    having count(*) > 1
),

ranked as (
    select
        ct.claim_id,
        ct.status,
        case
            when ct.by_lot then concat_ws(' | ', ct.sku, ct.lot_code, ct.customer_key, ct.purchase_date)
            else concat_ws(' | ', ct.sku, ct.serial_no)
        end as unit_key,
        first_value(ct.claim_id) over unit as winner,
    from contenders as ct
    semi join shared_units as u on ct.unit_hash = u.unit_hash
    window unit as (
        partition by ct.by_lot, ct.sku, ct.serial_no, ct.unit_lot, ct.unit_customer, ct.unit_day
        order by ct.settled desc, ct.claim_date, ct.ingest_seq, ct.source_record_id, ct.claim_id
    )
),

final as (
    select
        r.claim_id,
        $campaign as campaign,
        r.winner as duplicate_of,
        r.unit_key,
    from ranked as r
    where r.claim_id <> r.winner and r.status = 'eligible'
)

select * from final
