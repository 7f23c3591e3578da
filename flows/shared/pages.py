"""The reports' HTML pages (the finance report, the effect report): one sandboxed Jinja2
environment over templates/, where an unknown name fails, and numbers told one way."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from flows.shared.settings import templates_dir


def cell(value: Any) -> str:
    """A table cell: money with two places and thousands, counts with thousands, None empty."""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


def page_environment() -> SandboxedEnvironment:
    """As the letters': sandboxed, autoescaped, and an unknown name fails."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = cell
    return env
