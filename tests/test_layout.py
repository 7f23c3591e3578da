"""The layout is the architecture (SPEC §13): packages that stay readable, and a README that
maps them."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOWS = ROOT / "flows"
MODULES = sorted(p.relative_to(ROOT).as_posix() for p in FLOWS.rglob("*.py"))
PACKAGES = sorted(p.parent.name for p in FLOWS.glob("*/__init__.py"))
MOST_LINES = 300


@pytest.mark.parametrize("module", MODULES)
def test_no_module_is_over_300_lines(module):
    lines = len((ROOT / module).read_text(encoding="utf-8").splitlines())
    assert lines <= MOST_LINES, f"{module} has {lines} lines: split it by responsibility"


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_init_is_empty_so_importing_it_imports_nothing(package):
    assert not (FLOWS / package / "__init__.py").read_text(encoding="utf-8").strip()


def test_the_readme_layout_maps_every_package_and_every_sql_folder():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") : readme.index("## Configuration")]
    missing = [f"flows/{p}/" for p in PACKAGES if f"`flows/{p}/`" not in layout]
    assert PACKAGES and not missing, f"README Layout does not name {missing}"
    sql = sorted(p.name for p in (ROOT / "sql").iterdir() if p.is_dir())
    unmirrored = [s for s in sql if s != "schema" and s not in PACKAGES]
    assert not unmirrored, f"sql/ folders that are no package of flows/: {unmirrored}"
