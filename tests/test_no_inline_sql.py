"""Statements live in sql/<package>/<what it produces>.sql, not in strings in the Python."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import flows

FLOWS = Path(flows.__file__).parent
CHECKED = sorted(
    p
    for package in ("intake", "reconcile", "shared")
    for p in (FLOWS / package).glob("*.py")
    if p.name != "db.py"  # the connection's own: transactions, optimiser settings, migrations
)
STATEMENT_WORDS = ("select", "insert", "update", "delete", "with", "create", "merge")


def inline_statements(path: Path) -> list[str]:
    """String constants that read as a statement: a statement word, then from, into or set."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = " ".join(node.value.lower().split())
            clause = any(f" {word} " in f" {text} " for word in ("from", "into", "set"))
            if text.split(" ", 1)[0] in STATEMENT_WORDS and clause:
                found.append(f"{path.name}:{node.lineno}: {node.value[:60]}")
    return found


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_module_of_intake_reconcile_or_shared_holds_no_inline_statement(path):
    assert inline_statements(path) == []
