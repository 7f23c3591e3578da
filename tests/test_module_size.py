"""No module of flows/ over ~300 lines: a module a reader takes in whole (STYLE.md)."""

from __future__ import annotations

from flows.shared.settings import SQL_DIR

FLOWS = SQL_DIR.parent / "flows"
MOST_LINES = 300


def test_no_module_of_flows_is_over_300_lines():
    too_long = {
        str(path.relative_to(FLOWS.parent)): lines
        for path in sorted(FLOWS.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MOST_LINES
    }
    assert too_long == {}, f"split by responsibility: {too_long}"
