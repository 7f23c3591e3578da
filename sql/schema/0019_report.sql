-- the effect report (SPEC §12) and the finance report count a region by one name: a region
-- written another way ([regions] aliases: aliases[n] is regions[n]) counts under its name
create or replace macro recall_region(region, aliases, regions) as
    coalesce((regions::varchar[])[list_position(aliases::varchar[], region)], region);

-- an amount shared out over n (units, claims), rounded half up to the cent, exactly (DuckDB
-- divides decimals as floats); null when n is 0
create or replace macro recall_cents_per(amount, n) as
    case when n > 0 then (
        ((amount * 100)::hugeint * 2 + n) // (2 * n) * 0.01
    )::decimal(18, 2) end;

-- a span of days as the effect report's tables name it: `0–30 days`, or `> 60 days` when open
create or replace macro recall_days_span(from_day, to_day) as
    case
        when to_day is null then '> ' || (from_day - 1) || ' days'
        else from_day || '–' || to_day || ' days'
    end;
