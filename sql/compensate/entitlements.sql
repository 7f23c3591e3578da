-- one row per claim awaiting an offer: entitlement by SPEC §5, expense notes, review reasons
-- reads: claims, offers · writes: entitlements
insert into entitlements by name
with rules as (
    select
        $tiers::struct(
            name varchar, harm varchar, pct decimal(9, 6),
            lo decimal(18, 2), hi decimal(18, 2), cap decimal(18, 2)
        )[] as tiers,
        $schedule::struct(max_days integer, rate decimal(9, 6))[] as schedule,
        $reimbursable::varchar[] as reimbursable,
        $excluded::varchar[] as excluded,
        $review_harm::varchar[] as review_harm,
        $review_flags::varchar[] as review_flags,
),

tiers as (
    select unnest(rules.tiers, recursive := true) from rules
),

-- customers past the units limit: only they are joined (joining every customer's units held
-- a hash table of nearly every claim's customer at 10M)
over_units as (
    select customer_key
    from claims
    where campaign = $campaign and status in ('eligible', 'review', 'offered', 'rejected')
    group by customer_key
    having sum(quantity) > $max_units
),

awaiting as (
    select c.*
    from claims as c
    where c.campaign = $campaign
        and c.status in ('eligible', 'review')
        and not exists (select 1 from offers as o where o.claim_id = c.claim_id)
),

goodwill as (
    select
        a.*,
        t.name as tier,
        t.cap,
        least(greatest(round(a.purchase_price * t.pct, 2), t.lo), t.hi)::decimal(18, 2)
            as goodwill_unit,
        greatest(0, a.claim_date - $announced_on::date) as days,
    from awaiting as a
    join tiers as t on t.harm = a.harm
),

amounts as (
    select
        g.*,
        (g.goodwill_unit * g.quantity)::decimal(18, 2) as goodwill,
        coalesce(
            list_filter(rules.schedule, lambda s: g.days <= s.max_days)[1].rate, 0
        )::decimal(9, 6) as bonus_rate,
        case
            when g.documented_expenses = 0 then null
            when list_contains(rules.excluded, g.expense_type) then 'expense_excluded:' || g.expense_type
            when not list_contains(rules.reimbursable, coalesce(g.expense_type, ''))
                then 'expense_unknown_type'
            when $require_evidence and not g.expense_evidence then 'expense_no_evidence'
        end as expense_refused,
        rules.review_harm,
        rules.review_flags,
    from goodwill as g
    cross join rules
),

totals as (
    select
        m.*,
        round(m.goodwill * m.bonus_rate, 2)::decimal(18, 2) as bonus,
        case
            when m.expense_refused is not null then 0
            else recall_expenses_reimbursed(m.documented_expenses, m.cap)
        end::decimal(18, 2) as expenses,
        case
            when m.expense_refused is not null then m.expense_refused
            when m.documented_expenses > m.cap then 'expense_capped'
            else ''
        end as expense_notes,
    from amounts as m
),

final as (
    select
        t.claim_id,
        $campaign as campaign,
        $run_id as run_id,
        t.tier,
        t.goodwill_unit,
        t.goodwill,
        t.bonus_rate,
        t.bonus,
        t.expenses,
        (t.goodwill + t.bonus + t.expenses)::decimal(18, 2) as total,
        case
            when t.harm = 'injury' then $injury_holdback::decimal(18, 2)
            else (t.goodwill + t.bonus + t.expenses)::decimal(18, 2)
        end as holdback,
        t.expense_notes,
        array_to_string(list_sort(list_filter(
            [
                case when list_contains(t.review_harm, t.harm) then 'harm' end,
                case when t.goodwill + t.bonus + t.expenses > $amount_threshold::decimal(18, 2)
                    then 'amount' end,
                case when u.customer_key is not null then 'units' end,
            ] || list_transform(
                list_filter(t.flags, lambda f: list_contains(t.review_flags, f)),
                lambda f: 'flag:' || f
            ),
            lambda r: r is not null
        )), ';') as review_reasons,
    from totals as t
    left join over_units as u on u.customer_key = t.customer_key
)

select * from final
