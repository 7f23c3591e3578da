-- one row per eligible claim that loses to an earlier claim of the same unit
insert into duplicates by name
with contenders as (
    select
        c.*,
        -- claims past eligibility (reviewed, offered, ...) are settled and always win
        c.status <> 'eligible' as settled,
        case when c.serial_no is not null then 'serial' else 'lot' end as unit_kind,
    from claims as c
    where c.campaign = $campaign and c.status not in ('ineligible', 'duplicate')
),

ranked as (
    select
        ct.claim_id,
        ct.status,
        case
            when ct.unit_kind = 'serial' then concat_ws(' | ', ct.sku, ct.serial_no)
            else concat_ws(' | ', ct.sku, ct.lot_code, ct.customer_key, ct.purchase_date)
        end as unit_key,
        first_value(ct.claim_id) over unit as winner,
    from contenders as ct
    window unit as (
        partition by
            ct.unit_kind,
            ct.sku,
            ct.serial_no,
            case when ct.unit_kind = 'lot' then ct.lot_code end,
            case when ct.unit_kind = 'lot' then ct.customer_key end,
            case when ct.unit_kind = 'lot' then ct.purchase_date end
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
