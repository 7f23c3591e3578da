"""The demo campaign: deterministic files covering every messy case of SPEC §4."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.cli.demo import DEMO_AS_OF, write_demo
from flows.shared.files import sha256_file
from flows.shared.settings import Paths
from tests.conftest import Workspace


def test_demo_files_are_the_same_bytes_on_every_call(tmp_path: Path):
    first = write_demo(Paths(tmp_path / "a", tmp_path / "a" / "cfg"))
    second = write_demo(Paths(tmp_path / "b", tmp_path / "b" / "cfg"))
    assert [sha256_file(p) for p in first] == [sha256_file(p) for p in second]
    assert [p.name for p in first] == [
        "jd_2026-10-01.csv",
        "portal_2026-10-14.csv",
        "suning_2026-10-08.xlsx",
    ]


@pytest.mark.parametrize("encoding", ["gb18030"])
def test_jd_file_is_gb18030_with_chinese_headers(tmp_path: Path, encoding: str):
    files = write_demo(Paths(tmp_path, tmp_path / "cfg"))
    raw = files[0].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode(encoding).startswith("订单号,收货人")


def test_demo_intake_covers_every_state_and_messy_case(workspace: Workspace):
    write_demo(workspace.paths)
    summary = workspace.intake(DEMO_AS_OF)
    assert [f.status for f in summary.files] == ["loaded"] * 3
    total = sum(summary.status_counts.values())
    assert 9_500 <= total <= 10_500
    seen = {(status, reason) for status, reason, _ in summary.reason_counts}
    for expected in [
        ("quarantined", "bad_date:purchase_date"),
        ("quarantined", "bad_amount:purchase_price"),
        ("quarantined", "no_contact"),
        ("quarantined", "negative_amount:documented_expenses"),
        ("quarantined", "future_date:claim_date"),
        ("ineligible", "serial_out_of_range"),
        ("ineligible", "not_affected_sku"),
        ("ineligible", "purchase_outside_window"),
        ("duplicate", ""),
        ("eligible", ""),
    ]:
        assert expected in seen, expected
    harms = dict(workspace.query("select harm, count(*) from claims group by 1"))
    assert harms["injury"] > 0 and harms["property"] > 0
    assert (
        workspace.query("select count(*) from claims where list_contains(flags, 'vip')")[0][0] > 0
    )
    dup_files = workspace.query(
        "select count(*) from claims d join claims w on d.duplicate_of = w.claim_id "
        "where d.source_file <> w.source_file"
    )
    assert dup_files[0][0] > 0  # the same serial claimed through two retailers
