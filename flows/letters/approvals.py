"""Template approval (SPEC §6): a letter is rendered only from templates legal has approved."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flows.shared.files import write_text_atomic

LETTERS = "letters"
APPROVE_COMMAND = "recall templates approve --by NAME"


class TemplateNotApproved(Exception):
    """A template is new or was edited after approval; nothing may be rendered from it."""


@dataclass(frozen=True)
class Approval:
    path: str  # relative to the templates folder, e.g. letters/en/offer.html.j2
    sha256: str
    approved_by: str
    approved_on: date


def template_files(templates_dir: Path) -> dict[str, str]:
    """Every letter template (partials included) → its sha256."""
    return {
        p.relative_to(templates_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((templates_dir / LETTERS).rglob("*.j2"))
    }


def load_approvals(path: Path) -> dict[str, Approval]:
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        entry["path"]: Approval(
            entry["path"], entry["sha256"], entry["approved_by"], entry["approved_on"]
        )
        for entry in data.get("template", [])
    }


def verify(templates_dir: Path, approvals_file: Path) -> dict[str, str]:
    """The sha256 of every letter template, if all are approved as they are now."""
    current = template_files(templates_dir)
    approved = load_approvals(approvals_file)
    for name, sha256 in current.items():
        entry = approved.get(name)
        if entry is None:
            raise TemplateNotApproved(
                f"{templates_dir / name}: template not approved; after legal review, "
                f"run `{APPROVE_COMMAND}`"
            )
        if entry.sha256 != sha256:
            raise TemplateNotApproved(
                f"{templates_dir / name}: template changed since {entry.approved_by} approved it "
                f"on {entry.approved_on}; after legal review, run `{APPROVE_COMMAND}` "
                f"to approve it again"
            )
    return current


def approve(templates_dir: Path, approvals_file: Path, by: str, on: date) -> list[str]:
    """Record every new or changed template as approved; returns their names."""
    approved = load_approvals(approvals_file)
    current = template_files(templates_dir)
    changed = [n for n, sha in current.items() if n not in approved or approved[n].sha256 != sha]
    for name in changed:
        approved[name] = Approval(name, current[name], by, on)
    lines = ["# Letter templates approved after legal review (`recall templates approve`).", ""]
    for entry in sorted(approved.values(), key=lambda a: a.path):
        lines += [
            "[[template]]",
            f'path = "{entry.path}"',
            f'sha256 = "{entry.sha256}"',
            f"approved_by = {_toml_string(entry.approved_by)}",
            f"approved_on = {entry.approved_on.isoformat()}",
            "",
        ]
    write_text_atomic(approvals_file, "\n".join(lines))
    return changed


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
