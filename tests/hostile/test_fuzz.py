"""Fuzzing: hypothesis-made customer rows, hostile text in every cell, through intake →
compensate → letters. The run never crashes, every row ends in exactly one state, and money is
conserved: each offer is instructed once for its total and its letter states the same total."""

from __future__ import annotations

import csv
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import AS_OF, CAMPAIGN, HEADER, make_workspace

HOSTILE = [
    "",
    " ",
    "'); DROP TABLE claims;--",
    "{{ 7*7 }}",
    "{% raw %}",
    "<b>x</b>",
    '=HYPERLINK("http://x","y")',
    '"',
    ",",
    "\n",
    "\x00",
    "-0",
    "1e5",
    "99999999999999999999",
    "0000-00-00",
    "2026-02-30",
    "NaN",
    "🙂",
    "\u202e",
]
VALID = {
    "customer_name": ["Li Wei", "王小明", "Zoë"],
    "email": ["a@example.cn", "B@Example.CN", ""],
    "phone": ["+86 138-0013-8000", "13800000003", ""],
    "postal_address": ["1 Road", "上海市 1 号", ""],
    "sku": ["K3-220", "K3-220", "K2-220"],
    "purchase_date": ["2026-03-05", "2026/3/5", "2026年3月5日", "2024-01-01"],
    "purchase_price": ["299.00", "¥1,299.00", "0", "15000"],
    "quantity": ["", "1", "3"],
    "claim_date": ["", "2026-09-10", "2026-10-15"],
    "harm": ["", "none", "property", "INJURY"],
    "documented_expenses": ["", "0", "120.50"],
    "expense_type": ["", "transport", "repair"],
    "expense_evidence": ["", "yes", "否"],
    "flags": ["", "vip", "media;vip"],
}


def valid(column: str) -> st.SearchStrategy[str]:
    if column == "serial_no":  # few serials, so dedupe has work to do
        return st.integers(100, 112).map(lambda n: f"K3A{n:06d}")
    return st.sampled_from(VALID[column])


COLUMNS = [c for c in HEADER if c != "source_record_id"]
hostile = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
# a row of valid cells with up to two of them made hostile
rows = st.lists(
    st.builds(
        lambda cells, damage: cells | damage,
        st.fixed_dictionaries({c: valid(c) for c in COLUMNS}),
        st.dictionaries(st.sampled_from(COLUMNS), hostile, max_size=2),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batch=rows)
def test_rows_end_in_one_state_and_money_is_conserved(batch):
    from flows.letters.flow import letters

    base = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        with pytest.MonkeyPatch.context() as patch:
            space = make_workspace(base, patch)
            listed = [{"source_record_id": f"F{n}"} | r for n, r in enumerate(batch)]
            space.write_csv("fuzz.csv", listed)
            ids = [r["source_record_id"] for r in listed]
            intake = space.intake()
            assert [f.status for f in intake.files] == ["loaded"]
            space.compensate()
            written = letters(CAMPAIGN, AS_OF)
            states = space.query(
                "select source_record_id from claims union all select source_record_id "
                "from quarantine"
            )
            assert sorted(rid for (rid,) in states) == sorted(ids)  # each row once, none lost

            offers = dict(space.query("select claim_id, total from offers"))
            instructed = dict(space.query("select claim_id, amount from payment_instructions"))
            assert instructed == offers
            if written.folder is not None:
                with (written.folder / "manifest.csv").open(encoding="utf-8") as handle:
                    in_letters = {
                        m["claim_id"]: Decimal(m["total"])
                        for m in csv.DictReader(handle)
                        if m["kind"] == "offer"
                    }
                assert in_letters == offers
            else:
                assert offers == {}
    finally:
        shutil.rmtree(base, ignore_errors=True)
