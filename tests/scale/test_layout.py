"""Scale-out takes the partition's work as a parameter: it imports no flow package; and the
letters' PDF layout does not import the batch writer that calls it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports(module: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_scale_out_imports_neither_compensate_nor_letters():
    for module in sorted((ROOT / "flows" / "scale").glob("*.py")):
        flows = {m for m in imports(module) if m.startswith(("flows.compensate", "flows.letters"))}
        assert not flows, f"{module.name} imports {sorted(flows)}"


def test_the_pdf_layout_does_not_import_the_batch_writer():
    assert "flows.letters.batches" not in imports(ROOT / "flows" / "letters" / "pdf.py")
