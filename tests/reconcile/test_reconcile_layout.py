"""How the reconcile package's modules depend on each other."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path


def imported(module: str) -> set[str]:
    """Every module `module` imports, at the top, in a function or under TYPE_CHECKING."""
    spec = importlib.util.find_spec(module)
    assert spec and spec.origin
    path = Path(spec.origin)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_reports_do_not_import_the_flow_that_calls_them():
    assert "flows.reconcile.reports" in imported("flows.reconcile.flow")
    assert "flows.reconcile.flow" not in imported("flows.reconcile.reports")
