"""sql/intake/parsed_rows.sql (SPEC §4 step 1, quarantine), on the statement alone: every
problem of a row, sorted; the accepted date and amount forms. Rows are staged as the inbox
stages them (text cells) and read as of AS_OF; the campaign has serial ranges."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from flows.intake.flow import REQUIRED_COLUMNS, Required, missing_cells
from flows.shared import db
from flows.shared.columns import CANONICAL_COLUMNS
from tests.conftest import GOOD_ROW

AS_OF = date(2026, 10, 15)


def reasons(con, *rows: dict[str, str]) -> list[str]:
    """The quarantine reasons of each row (GOOD_ROW with a source_record_id of its own, changed
    by the row; "" is an empty cell)."""
    cells = [GOOD_ROW | {"source_record_id": str(n)} | row for n, row in enumerate(rows, 1)]
    text = {c: [r.get(c) or None for r in cells] for c in (*CANONICAL_COLUMNS, "default_channel")}
    stage = pl.DataFrame(
        text
        | {
            "file_sha256": ["ab" * 32] * len(rows),
            "source_file": ["a.csv"] * len(rows),
            "source_format": ["csv"] * len(rows),
            "line_no": list(range(2, len(rows) + 2)),
            "ingest_seq": [1] * len(rows),
            "__fields_ok": [True] * len(rows),
            "bad_cells": [[] for _ in rows],
        },
        schema_overrides=dict.fromkeys(text, pl.String) | {"bad_cells": pl.List(pl.String)},
    )
    # the required cells are checked as the file is read (flows.intake.flow.REQUIRED_COLUMNS)
    required = [Required(c, (c,)) for c in (*REQUIRED_COLUMNS, "serial_no")]
    stage = stage.with_columns(pl.concat_list("bad_cells", missing_cells(required)))
    con.register("stage_rows", stage)
    db.run(con, "intake/parsed_rows", as_of=AS_OF, languages=["en"], default_language="en")
    found = con.sql("select quarantine_reasons from parsed_rows order by line_no").fetchall()
    return [r for (r,) in found]


def test_a_row_with_every_field_readable_has_no_reason(con):
    assert reasons(con, {}) == [""]


@pytest.mark.parametrize(
    "column",
    ["source_record_id", "customer_name", "sku", "serial_no", "purchase_date", "purchase_price"],
)
def test_a_required_cell_empty_is_missing_field(con, column):
    assert reasons(con, {column: ""}) == [f"missing_field:{column}"]


def test_a_row_without_email_phone_or_address_is_no_contact_one_of_them_is_enough(con):
    none = {"email": "", "phone": "", "postal_address": ""}
    got = reasons(con, none, none | {"phone": "+86 138"}, none | {"postal_address": "1 Road"})
    assert got == ["no_contact", "", ""]


def test_dates_in_every_accepted_form_pass_an_impossible_day_is_bad_date(con):
    got = reasons(
        con,
        {"purchase_date": "2026-03-05"},
        {"purchase_date": "2026/3/5"},
        {"purchase_date": "2026年3月5日"},
        {"purchase_date": "2026-02-30"},
        {"claim_date": "yesterday"},
    )
    assert got == ["", "", "", "bad_date:purchase_date", "bad_date:claim_date"]


def test_a_date_after_as_of_is_future_date_an_empty_claim_date_is_as_of(con):
    got = reasons(
        con,
        {"purchase_date": "2026-10-16"},
        {"claim_date": "2026-10-16"},
        {"claim_date": "2026-10-15"},
        {"claim_date": ""},
    )
    assert got == ["future_date:purchase_date", "future_date:claim_date", "", ""]


def test_amounts_with_currency_signs_and_commas_pass_more_than_two_places_or_text_do_not(con):
    got = reasons(
        con,
        {"purchase_price": "¥1,299.00"},
        {"purchase_price": "￥ 1 299"},
        {"purchase_price": "0"},
        {"purchase_price": "1.234"},
        {"purchase_price": "abc"},
        {"purchase_price": "-1.00"},
        {"documented_expenses": "-5"},
    )
    assert got == [
        "",
        "",
        "",
        "bad_amount:purchase_price",
        "bad_amount:purchase_price",
        "negative_amount:purchase_price",
        "negative_amount:documented_expenses",
    ]


def test_quantity_harm_and_evidence_outside_their_values_are_bad_value(con):
    got = reasons(
        con,
        {"quantity": "0"},
        {"quantity": "1.5"},
        {"quantity": "2"},
        {"harm": "fire"},
        {"harm": "Injury"},
        {"expense_evidence": "maybe"},
        {"expense_evidence": "是"},
    )
    assert got == [
        "bad_value:quantity",
        "bad_value:quantity",
        "",
        "bad_value:harm",
        "",
        "bad_value:expense_evidence",
        "",
    ]


def test_a_source_record_id_repeated_in_the_file_quarantines_the_later_rows(con):
    got = reasons(con, {"source_record_id": "7"}, {}, {"source_record_id": "7"})
    assert got == ["", "", "bad_value:source_record_id"]


def test_every_problem_of_a_row_is_listed_sorted(con):
    got = reasons(
        con,
        {"sku": "", "purchase_date": "2026-02-30", "quantity": "0", "email": "", "harm": "x"},
    )
    assert got == [
        "bad_date:purchase_date;bad_value:harm;bad_value:quantity;missing_field:sku;no_contact"
    ]
