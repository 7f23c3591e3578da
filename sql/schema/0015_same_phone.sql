-- two phone numbers are the same subscriber when their digits are equal, or when one ends with
-- the other's digits (a country code written on one side only; a trunk 0 dropped) and the
-- shorter has at least 7 digits; the hotline's lookup reads numbers as callers give them
create or replace macro recall_phone_digits(p) as regexp_replace(coalesce(p, ''), '[^0-9]', '', 'g');

create or replace macro recall_same_phone(a, b) as
    recall_phone_digits(a) <> ''
    and (
        recall_phone_digits(a) = recall_phone_digits(b)
        or (
            length(ltrim(recall_phone_digits(b), '0')) >= 7
            and ends_with(recall_phone_digits(a), ltrim(recall_phone_digits(b), '0'))
        )
        or (
            length(ltrim(recall_phone_digits(a), '0')) >= 7
            and ends_with(recall_phone_digits(b), ltrim(recall_phone_digits(a), '0'))
        )
    );
