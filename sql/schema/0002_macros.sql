-- parsing macros shared by the intake statements (SPEC §4 formats)

-- ISO 2026-03-05 (with an optional midnight time, as spreadsheets export it), 2026/3/5,
-- 2026年3月5日, and Excel serial day numbers in XLSX files; null when not a real day.
create or replace macro recall_date(s, from_xlsx) as
    case
        when regexp_full_match(s, '[1-9]\d{3}-\d{1,2}-\d{1,2}([ T]00:00:00(\.0+)?)?')
            then try_strptime(regexp_extract(s, '^[0-9-]+'), '%Y-%m-%d')::date
        when regexp_full_match(s, '[1-9]\d{3}/\d{1,2}/\d{1,2}')
            then try_strptime(s, '%Y/%m/%d')::date
        when regexp_full_match(s, '[1-9]\d{3}年\d{1,2}月\d{1,2}日')
            then try_strptime(s, '%Y年%m月%d日')::date
        when from_xlsx and regexp_full_match(s, '[1-9]\d{0,4}(\.0+)?')
            then date '1899-12-30' + cast(regexp_extract(s, '^\d+') as integer)
    end;

-- currency signs, thousands commas and spaces removed
create or replace macro recall_amount_text(s) as
    regexp_replace(s, '[¥￥,\s\x{00A0}\x{3000}]', '', 'g');

-- a plain decimal with at most two places that fits DECIMAL(18,2); null otherwise
create or replace macro recall_amount(s) as
    case
        when regexp_full_match(recall_amount_text(s), '-?\d{1,16}(\.\d{1,2})?')
            then cast(recall_amount_text(s) as decimal(18, 2))
    end;

-- spreadsheet formula neutralisation for text cells of exports
create or replace macro recall_safe_text(s) as
    case when regexp_matches(s, '^[=+\-@\t\r]') then '''' || s else s end;
