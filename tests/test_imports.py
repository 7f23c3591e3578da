"""The imports of flows/ (every import statement, inside functions too): no cycle between
modules, and packages point one way — cli may import anything; nightly the flow packages and
shared; a flow package (intake, compensate, letters, reconcile, report) itself, scale and
shared; scale itself and shared (it takes the partition flow as a parameter); shared only
itself."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from flows.shared.settings import SQL_DIR

FLOWS = SQL_DIR.parent / "flows"
FLOW_PACKAGES = {"intake", "compensate", "letters", "reconcile", "report"}
MAY_IMPORT = {
    "cli": None,  # anything
    "nightly": FLOW_PACKAGES | {"scale", "shared"},
    **{package: {package, "scale", "shared"} for package in FLOW_PACKAGES},
    "scale": {"scale", "shared"},
    "shared": {"shared"},
}


class Import(NamedTuple):
    importer: str
    imported: str
    line: int
    typing_only: bool  # under `if TYPE_CHECKING:`: no import at run time

    def __str__(self) -> str:
        path = self.importer.replace(".", "/")
        return f"{self.importer} → {self.imported} ({path}.py:{self.line})"


def module_name(path: Path) -> str:
    parts = path.relative_to(FLOWS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(FLOWS.rglob("*.py"))}


def imports() -> Iterator[Import]:
    """Every import of a module of flows/ by a module of flows/, where it stands."""
    for name, path in MODULES.items():
        yield from imports_in(name, path.name == "__init__.py", path.read_text(encoding="utf-8"))


def imports_in(name: str, is_package: bool, source: str) -> Iterator[Import]:
    """The imports of modules of flows/ in the module `name`'s source, at any depth."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[Import] = set()
    tree = ast.parse(source)
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # `import flows.x.y` names y's parents
                target = target.rpartition(".")[0]
            if target and target != name and target != "flows":
                found.add(Import(name, target, node.lineno, id(node) in typing_only))
    yield from sorted(found, key=lambda i: (i.line, i.imported))


def package_of(module: str) -> str:
    return module.split(".")[1]


def cycles(edges: list[Import]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (Tarjan)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for edge in edges:
        graph[edge.importer].add(edge.imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def test_the_import_reader_sees_imports_inside_functions_and_relative_ones():
    source = (
        "import json\n"
        "def f():\n"
        "    from flows.shared import db\n"
        "    if True:\n"
        "        import flows.letters.pdf\n"
        "from . import reviews\n"
        "from ..shared.money import cents\n"
        "if TYPE_CHECKING:\n"
        "    from flows.shared.runs import Run\n"
    )
    found = [i[1:] for i in imports_in("flows.compensate.flow", False, source)]
    assert found == [
        ("flows.shared.db", 3, False),
        ("flows.letters.pdf", 5, False),
        ("flows.compensate.reviews", 6, False),
        ("flows.shared.money", 7, False),
        ("flows.shared.runs", 9, True),
    ]


def test_flows_modules_import_no_cycle():
    edges = [edge for edge in imports() if not edge.typing_only]
    described = [
        " ↔ ".join(group) + ": " + "; ".join(str(e) for e in edges if {*e[:2]} <= {*group})
        for group in cycles(edges)
    ]
    assert not described, "import cycles:\n" + "\n".join(described)


def test_packages_import_one_way():
    wrong = [
        str(edge)
        for edge in imports()
        if (allowed := MAY_IMPORT[package_of(edge.importer)]) is not None
        and package_of(edge.imported) not in allowed
    ]
    assert not wrong, "imports against the direction:\n" + "\n".join(wrong)


def test_every_package_has_a_rule():
    assert {package_of(m) for m in MODULES if m != "flows"} == set(MAY_IMPORT)
