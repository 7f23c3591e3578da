"""Letter templates: golden files, the context every template relies on, customer text as data."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from flows.letters.approvals import template_files
from flows.letters.render import KINDS, render, sample_context
from flows.shared.settings import TEMPLATES_DIR

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
LANGUAGES = {"en": "en_GB", "zh-CN": "zh_CN"}


def rendered(language: str, kind: str, **changes: object) -> tuple[str, str]:
    context = sample_context(language, kind)
    context["customer"] = context["customer"] | changes
    return render(TEMPLATES_DIR, LANGUAGES[language], "CNY", language, kind, context)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("suffix", ["html", "txt"])
def test_offer_matches_golden_file(language, suffix):
    html, text = rendered(language, "offer")
    got = html if suffix == "html" else text
    golden = GOLDEN / f"offer.{language}.{suffix}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(got, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    diff = "\n".join(
        difflib.unified_diff(
            expected.splitlines(), got.splitlines(), str(golden), "rendered", lineterm=""
        )
    )
    assert got == expected, diff


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_template_renders_with_the_sample_context(language, kind):
    html, text = rendered(language, kind)
    assert "Li Wei" in html and "Li Wei" in text
    assert "abc-0000002" in text  # the reference number
    assert "400" in text  # the hotline


def test_every_template_file_is_used_by_a_language_and_kind():
    names = set(template_files(TEMPLATES_DIR))
    pages = {
        f"letters/{lang}/{kind}.{ext}.j2"
        for lang in LANGUAGES
        for kind in KINDS
        for ext in ("html", "txt", "sms")
    }
    partials = {n for n in names if Path(n).name.startswith("_")}
    assert names == pages | partials


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "{{ 7*7 }}", "{% raw %}x"])
def test_customer_text_is_data_not_markup(name):
    html, text = rendered("en", "offer", name=name)
    assert f"Dear {name}," in text  # plain text keeps the name exactly as given
    if "<" in name:
        assert "<script>" not in html
        assert "Dear &lt;script&gt;alert(1)&lt;/script&gt;," in html
    else:
        assert f"Dear {name}," in html  # never evaluated as a template
    assert "49" not in text and "49" not in html


def test_locale_formats_money_and_dates():
    _, zh = rendered("zh-CN", "offer")
    _, en = rendered("en", "offer")
    assert "合计：¥380.00" in zh and "2027年3月1日" in zh
    assert "Total: CN¥380.00" in en and "1 March 2027" in en


def test_acknowledgement_names_the_reply_by_date_and_rejection_the_reasons():
    _, ack = rendered("en", "acknowledgement")
    assert "We will contact you by 25 October 2026" in " ".join(ack.split())
    _, rejection = rendered("zh-CN", "rejection")
    assert "不属于本次召回涉及的型号" in rejection and "K3A000500" in rejection


def test_letters_admit_no_liability():
    for language in LANGUAGES:
        for kind in KINDS:
            _html, text = rendered(language, kind)
            lowered = text.lower()
            assert "liab" not in lowered and "admit" not in lowered and "责任" not in text
