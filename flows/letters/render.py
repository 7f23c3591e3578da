"""Letter rendering: sandboxed Jinja2 with autoescape, Babel money and dates per locale."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_percent
from jinja2 import FileSystemLoader, StrictUndefined, Template
from jinja2.environment import TemplateModule
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

KINDS = ("offer", "acknowledgement", "rejection")


class LetterTemplate(Template):
    """A letter template whose imports reuse the imported template's cached module.

    Jinja checks on every `{% import %}` whether the importing template has globals of its own
    that the imported one lacks (a slow generic set difference, twice per letter). Letter
    templates have no globals but the environment's, which both share, so the cached module
    is always the one Jinja would build.
    """

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        return super()._get_default_module(None)


class LetterEnvironment(SandboxedEnvironment):
    """The sandbox, with a fast path for the plain dicts letters are rendered from.

    `customer.name` on a dict makes the sandbox try a Python attribute first and fall back to
    the item through an exception; a key of a plain dict is data, never a Python attribute,
    so it is returned directly. Everything else takes the sandbox's checked path.
    """

    template_class = LetterTemplate

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


@cache
def environment(
    templates_dir: Path, locale: str, currency: str, html: bool
) -> SandboxedEnvironment:
    """One environment per output kind: HTML autoescapes everything, plain text nothing."""
    env = LetterEnvironment(
        loader=FileSystemLoader(templates_dir),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # templates are checked against their approvals once per run; no per-render stat()
        auto_reload=False,
    )
    parsed = Locale.parse(locale)  # once: Babel parses a locale string on every call
    # the same amounts and dates recur across thousands of letters: format each once
    env.filters["money"] = lru_cache(maxsize=65536)(
        lambda amount: format_currency(Decimal(amount), currency, locale=parsed)
    )
    env.filters["day"] = lru_cache(maxsize=4096)(
        lambda day: format_date(day, format="long", locale=parsed)
    )
    env.filters["percent"] = lru_cache(maxsize=256)(
        lambda rate: format_percent(Decimal(rate), locale=parsed)
    )
    if html:
        # the shared print styles have no variables: render them once, not once per letter
        css = env.get_template("letters/_print.css.j2").render()
        env.globals["print_css"] = Markup(css.rstrip("\n"))
    return env


def render(
    templates_dir: Path,
    locale: str,
    currency: str,
    language: str,
    kind: str,
    context: dict[str, Any],
    *,
    html: bool = True,
) -> tuple[str, str]:
    """(HTML, text) of one letter; the HTML is "" when not asked for (post and sms letters)."""
    name = f"letters/{language}/{kind}"
    text = environment(templates_dir, locale, currency, False).get_template(f"{name}.txt.j2")
    if not html:
        return "", text.render(context)
    page = environment(templates_dir, locale, currency, True).get_template(f"{name}.html.j2")
    return page.render(context), text.render(context)


def render_sms(
    templates_dir: Path,
    locale: str,
    currency: str,
    language: str,
    kind: str,
    context: dict[str, Any],
) -> str:
    """The one-message SMS of a letter (`<kind>.sms.j2`, plain text), without surrounding
    whitespace; the full letter goes by email or post (SPEC §6a)."""
    env = environment(templates_dir, locale, currency, False)
    return env.get_template(f"letters/{language}/{kind}.sms.j2").render(context).strip()


def _columns(char: str) -> int:
    """Display columns of a character: two for wide and full-width (CJK) ones."""
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def wrap(text: str, columns: int) -> list[str]:
    """Lines of at most `columns` display columns (CJK characters count two)."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        line, width = "", 0
        for char in paragraph:
            w = _columns(char)
            if width + w > columns:
                cut = line.rfind(" ") if " " in line and w == 1 and char != " " else -1
                if cut > columns // 2:
                    lines.append(line[:cut])
                    line = line[cut + 1 :]
                    width = sum(map(_columns, line))
                else:
                    lines.append(line)
                    line, width = "", 0
            line += char
            width += w
        lines.append(line)
    return lines


def sample_context(language: str, kind: str) -> dict[str, Any]:
    """The context every letter template may rely on (used by tests and the approve command)."""
    return {
        "letter": {"id": "L-1", "date": date(2026, 10, 15), "language": language, "kind": kind},
        "customer": {"name": "Li Wei", "address": "1 Road\nShanghai"},
        "claim": {
            "id": "abc-0000002",
            "sku": "K3-220",
            "serial_no": "K3A000500",
            "lot_code": None,
            "purchase_date": date(2026, 3, 5),
            "claim_date": date(2026, 9, 10),
        },
        "campaign": {
            "title": "K3 kettle",
            "remedy": "Stop using it.",
            "hotline": "400",
            "sms_link": None,
            "claim_deadline": date(2027, 3, 1),
        },
        "offer": {
            "goodwill": Decimal("150.00"),
            "bonus": Decimal("30.00"),
            "bonus_rate": Decimal("0.20"),
            "expenses": Decimal("200.00"),
            "adjustment": Decimal("0.00"),
            "total": Decimal("380.00"),
            "prorate_factor": "0.958522",
            "notes": ["expense_capped"],
            "documented_expenses": Decimal("250.00"),
            "expense_cap": Decimal("200.00"),
            "expense_type": "repair",
        },
        "reasons": ["not_affected_sku", "serial_out_of_range"],
        "reply_by": date(2026, 10, 25),
        "payment_days": 14,
        "evidence_to": "claims@example.cn",
    }
