-- what needs a person in reconciliation (SPEC §7), written once for the finance report's
-- exceptions and `recall status`: every class but matched, and an outstanding instruction only
-- once it is past the campaign's payment terms ([payments] terms_days)
create or replace macro recall_needs_a_person(class, age_days, terms_days) as
    class <> 'matched' and (class <> 'outstanding' or age_days > terms_days);
