"""Letter rendering: sandboxed Jinja2 with autoescape, Babel money and dates per locale."""

from __future__ import annotations

import re
from dataclasses import dataclass
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

# every kind of letter (SPEC §6, §11), each a template per language and channel
KINDS = (
    "offer",
    "acknowledgement",
    "rejection",
    "deficiency",
    "review_follow_up",
    "supplementary_offer",
    "dispute_outcome",
    "withdrawal",
    "payment_follow_up",
    "acceptance_reminder",
)


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
    # the pro-rata share every customer receives: 95.85 %, never a bare factor
    env.filters["share"] = lru_cache(maxsize=256)(
        lambda rate: format_percent(Decimal(rate), "#,##0.00%", locale=parsed)
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


@dataclass(frozen=True)
class Printed:
    """A post letter as pdf.py lays it out: the recipient for the envelope window, the reference
    box, the subject, and the body as lines tagged "p" (a line of a paragraph), "li" (a list
    item), "row" (a table row: label TAB amount) or "gap" (between paragraphs). The wording
    comes from the approved templates; only the layout is pdf.py's."""

    labels: dict[str, str]  # reference, date, page ("{number}", "{count}"), sender
    recipient: list[str]
    reference: str
    date: str
    subject: str
    body: list[tuple[str, str]]


def render_print(
    templates_dir: Path,
    locale: str,
    currency: str,
    language: str,
    kind: str,
    context: dict[str, Any],
) -> Printed:
    """The letter's plain text in print layout (`letter.layout == "print"`: no heading, table
    rows as cells), cut into tagged lines for pdf.py."""
    env = environment(templates_dir, locale, currency, False)
    name = f"letters/{language}/{kind}"
    text = env.get_template(f"{name}.txt.j2").render(context)
    labels = env.get_template(f"letters/{language}/_words.j2").module.print_labels  # type: ignore[attr-defined]
    body: list[tuple[str, str]] = []
    for paragraph in re.split(r"\n[ \t]*\n", text.strip("\n")):
        if body:
            body.append(("gap", ""))
        for line in paragraph.split("\n"):
            if "\t" in line:
                body.append(("row", line))
            elif line.startswith("- "):
                body.append(("li", line[2:]))
            else:
                body.append(("p", line))
    customer = context["customer"]
    return Printed(
        labels=dict(labels),
        recipient=[customer["name"], *(customer["address"] or "").splitlines()],
        reference=context["claim"]["id"],
        date=env.filters["day"](context["letter"]["date"]),
        subject=context["campaign"]["title"],
        body=body,
    )


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


def sample_context(language: str, kind: str) -> dict[str, Any]:
    """The context every letter template may rely on (used by tests and the approve command)."""
    return {
        "letter": {
            "id": "L-1",
            "date": date(2026, 10, 15),
            "language": language,
            "kind": kind,
            "layout": "text",  # "print" for post: pdf.py lays out heading and tables
        },
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
            "source": "auto",  # a supplement's: evidence | dispute | appeal
        },
        "reasons": ["not_affected_sku", "serial_out_of_range"],
        "cure_by": date(2026, 11, 14),  # deficiency letters: the corrected details by then
        "dispute": {"kind": None, "decision": None},  # dispute | appeal; approve | reject
        "reply_by": date(2026, 10, 25),
        # with [payments] require_acceptance: the day an offer is to be accepted by
        "accept_by": date(2026, 11, 14) if kind == "acceptance_reminder" else None,
        "payment_days": 14,
        "payment_method": None,  # [payments] method in the letter's language, if configured
        "evidence_to": "claims@example.cn",
    }
