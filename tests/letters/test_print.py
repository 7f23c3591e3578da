"""Post letters as documents (SPEC §6a), read back as a person reads them: `pdftotext -layout`
(poppler-utils) over the PDF the batch writer makes; the same letters' HTML, text and SMS."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from flows.letters.approvals import template_files
from flows.letters.batches import Batch, context, write_batch
from flows.letters.render import render, render_sms
from flows.letters.runners import batch_template
from flows.shared.config import load_campaign
from flows.shared.settings import SHIPPED_CONFIG_DIR, TEMPLATES_DIR

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")

AS_OF = date(2026, 10, 15)
CONFIG = load_campaign(SHIPPED_CONFIG_DIR / "campaigns" / "RC-2026-017.toml")
EMAIL = "claims@k3-recall.example.cn"
CJK = r"[\u3400-\u9fff]"


def letter_row(n: int = 1, **changes: Any) -> dict[str, Any]:
    """One due letter as letters_due.sql returns it: an offer in Chinese by post."""
    return {
        "letter_id": f"c-{n:07d}-offer-v1",
        "claim_id": f"c-{n:07d}",
        "kind": "offer",
        "offer_version": 1,
        "language": "zh-CN",
        "channel": "post",
        "customer_name": "王小明",
        "postal_address": "上海市浦东新区世纪大道 100 号 2 栋 1203 室\n200120",
        "contact": None,
        "sku": "K3-220",
        "serial_no": "K3A000500",
        "lot_code": None,
        "purchase_date": date(2026, 3, 5),
        "claim_date": date(2026, 9, 10),
        "goodwill": Decimal("143.77"),
        "bonus": Decimal("28.75"),
        "bonus_rate": Decimal("0.20"),
        "expenses": Decimal("200.00"),
        "adjustment": Decimal("0.00"),
        "total": Decimal("372.52"),
        "prorate_factor": None,
        "expense_notes": "",
        "documented_expenses": Decimal("250.00"),
        "expense_type": "repair",
        "reasons": "",
    } | changes


def batch(folder: Path, rows: list[dict[str, Any]], config: Any = CONFIG) -> Batch:
    folder.mkdir(parents=True, exist_ok=True)
    template = batch_template(config, folder, AS_OF, template_files(TEMPLATES_DIR))
    return replace(template, number=1, channel="post", letters=rows)


def pdf_text(path: Path, *options: str) -> str:
    done = subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def post(tmp_path: Path, *rows: dict[str, Any], config: Any = CONFIG) -> tuple[Path, str]:
    """The batch PDF of these letters and its text as `pdftotext -layout` reads it."""
    written = write_batch(batch(tmp_path / "run", list(rows), config))
    path = Path(written[0]["path"])
    return path, pdf_text(path, "-layout")


def squeezed(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_post_letter_has_a_letterhead_a_reference_box_and_a_breakdown_table(tmp_path, language):
    sender = CONFIG.letters.sender
    assert sender is not None
    _, text = post(tmp_path, letter_row(language=language, customer_name="Mary Carter"))
    assert sender.company in text
    assert all(line in text for line in sender.address)
    assert sender.hotline in text
    reference = "编号" if language == "zh-CN" else "Reference"
    assert re.search(rf"{reference}\S*\s+c-0000001", text)
    amounts = {"goodwill": "143.77", "bonus": "28.75", "expenses": "200.00", "total": "372.52"}
    lines = text.splitlines()
    for component, amount in amounts.items():  # one table row per component: label, amount
        row = [line for line in lines if line.rstrip().endswith(amount)]
        assert len(row) == 1, (component, amount, text)
        assert re.match(r"\s*\S", row[0][: row[0].index(amount)].rstrip()), row


def test_recipient_block_sits_in_the_window_of_a_dl_envelope(tmp_path):
    """DIN 5008 / C5/6 window: 20 mm from the left, 45–90 mm from the top, 85 mm wide."""
    path, _ = post(tmp_path, letter_row(customer_name="Mary Carter"))
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        pdf_text(path, "-bbox"),
    )
    mm = 25.4 / 72
    name = [w for w in words if w[4] in ("Mary", "Carter")]
    postcode = [w for w in words if w[4] == "200120"]
    for x0, y0, x1, y1, _word in name + postcode:
        assert float(x0) * mm >= 20 and float(x1) * mm <= 20 + 85 + 1
        assert float(y0) * mm >= 45 and float(y1) * mm <= 90


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_no_email_or_word_is_broken_across_lines_and_no_line_starts_with_a_space(
    tmp_path, language
):
    rows = [
        letter_row(n, language=language, expense_notes="expense_no_evidence", postal_address=a)
        for n, a in enumerate(["上海市浦东新区世纪大道 100 号", "12 Long Road, Flat 4B\nLondon"])
    ]
    _, text = post(tmp_path, *rows)
    assert text.count(EMAIL) == 2 * 2, text  # letterhead and the receipt note, whole
    assert_no_stray_space(text)
    raw = pdf_text(Path(tmp_path / "run" / "post" / "batch-00001.pdf"), "-raw")
    assert not [line for line in raw.splitlines() if line.startswith(" ")]


def assert_no_stray_space(text: str) -> None:
    """Text starts at column 0 (the margin); an indent is the layout's (the reference box, a
    list item's hanging indent under its bullet), never a space in the text."""
    previous = ""
    for line in text.splitlines():
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if 0 < indent < 4:  # the continuation of a list item, or a stray space
            assert previous.lstrip().startswith("•") or previous.startswith(" " * indent), line
        assert not re.match(r"[，。：；、！？）」』”]", body), repr(line)
        previous = line if body else ""


def test_no_line_of_a_rejection_or_acknowledgement_starts_with_a_space(tmp_path):
    reasons = "not_affected_sku;serial_out_of_range;purchase_outside_window;claim_after_deadline"
    rows = [
        letter_row(
            n,
            language=language,
            kind=kind,
            letter_id=f"c-{n:07d}-{kind}-v1",
            reasons=reasons,
            postal_address=address,
        )
        for n, (language, kind, address) in enumerate(
            [
                ("en", "rejection", "1 Road"),
                ("zh-CN", "rejection", "上海市 1 号"),
                ("en", "acknowledgement", "1 Road"),
                ("zh-CN", "acknowledgement", "上海市 1 号"),
            ]
        )
    ]
    _, text = post(tmp_path, *rows)
    assert_no_stray_space(text)
    assert not [line for line in text.splitlines() if re.match(r" {4,}\S", line)], text


def test_line_breaking_keeps_latin_words_emails_and_numbers_whole():
    from flows.letters.lines import break_lines

    def width(text: str) -> float:
        return sum(2.0 if re.match(CJK, c) or c in "，。：（）“”" else 1.0 for c in text)

    text = f"请注明编号，将凭证发送至 {EMAIL}，我们收到后将另行支付¥1,234.50。" * 3
    for columns in range(30, 61, 3):  # the email and its comma (29 columns) fit a line
        lines = break_lines(text, columns, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        for line in lines:
            assert not line.startswith(" ") and not line.endswith(" ")
            assert not re.match(r"[，。：）”]", line), line
            assert width(line) <= columns, line
        assert sum(line.count(EMAIL) for line in lines) == 3
        assert sum(line.count("¥1,234.50") for line in lines) == 3


ZH_ROWS = {
    "offer": {"prorate_factor": "0.958522", "expense_notes": "expense_capped"},
    "acknowledgement": {"kind": "acknowledgement", "letter_id": "c-0000001-acknowledgement-v1"},
    "rejection": {
        "kind": "rejection",
        "letter_id": "c-0000001-rejection-v1",
        "reasons": "review_rejected",
    },
}


def all_channels(tmp_path: Path, row: dict[str, Any]) -> dict[str, str]:
    """What the customer reads of one letter in every channel: HTML, text, SMS and print."""
    b = batch(tmp_path / "all", [row])
    lang = row["language"]
    args = (TEMPLATES_DIR, b.locales[lang], "CNY", lang, row["kind"], context(b, row))
    html, text = render(*args)
    sms = render_sms(*args)
    _, printed = post(tmp_path, row)
    return {"html": html, "txt": text, "sms": sms, "pdf": printed}


@pytest.mark.parametrize("kind", ZH_ROWS)
def test_chinese_letters_use_chinese_punctuation(tmp_path, kind):
    for channel, text in all_channels(tmp_path, letter_row(**ZH_ROWS[kind])).items():
        if channel == "html":
            text = re.sub(r"<[^>]*>", "", text.split("<body>")[1])
        straight = re.findall(rf'["\',:;()!?]{CJK}|{CJK}["\',:;()!?]', text)
        assert not straight, (channel, straight)
        assert "“" in text or channel == "sms"


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_pro_rata_is_said_as_the_share_every_customer_receives(tmp_path, language):
    row = letter_row(language=language, prorate_factor="0.958522")
    plain = {
        "zh-CN": "所有客户按相同比例获得补偿：95.85%",
        "en": "all customers receive the same share of the budget: 95.85%",
    }[language]
    for channel, text in all_channels(tmp_path, row).items():
        if channel == "sms":
            continue  # one short message: the total only
        assert "0.958522" not in text and "factor" not in text and "系数" not in text, channel
        said = squeezed(text) if language == "en" else re.sub(r"\s", "", text)
        assert plain in said, (channel, text)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_rejection_for_an_unaffected_model_promises_no_replacement_in_any_channel(
    tmp_path, language
):
    row = letter_row(
        language=language,
        kind="rejection",
        letter_id="c-0000001-rejection-v1",
        sku="K2-220",
        reasons="not_affected_sku",
    )
    for channel, text in all_channels(tmp_path, row).items():
        assert "replacement" not in text.lower() and "替换" not in text, (channel, text)
        assert "免费" not in text, channel
    for channel, text in all_channels(tmp_path, row | {"reasons": "claim_after_deadline"}).items():
        if channel != "sms":  # an affected unit claimed late: still told what to do with it
            assert "replacement" in text.lower() or "替换" in text, (channel, text)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_offer_names_how_the_money_arrives(tmp_path, language):
    method = CONFIG.payments.method[language]
    for channel, text in all_channels(tmp_path, letter_row(language=language)).items():
        if channel == "sms":
            continue
        assert "contact details you registered" not in text and "按您登记的联系方式" not in text
        assert re.sub(r"\s", "", method) in re.sub(r"\s", "", text), (channel, text)


def test_multi_page_letter_numbers_its_pages_and_a_one_page_letter_does_not(tmp_path):
    notes = ";".join(["expense_no_evidence"] * 30)
    _, text = post(
        tmp_path, letter_row(1, language="en"), letter_row(2, language="en", expense_notes=notes)
    )
    pages = text.split("\f")[:-1]
    assert len(pages) >= 3
    assert "Page" not in pages[0]
    count = len(pages) - 1
    for number, page in enumerate(pages[1:], 1):
        assert f"Page {number} of {count}" in page
        assert CONFIG.letters.sender is not None and CONFIG.letters.sender.company in page
        assert "c-0000002" in page  # every page names the reference


def test_the_same_letters_give_the_same_bytes(tmp_path):
    rows = [letter_row(1), letter_row(2, language="en", prorate_factor="0.958522")]
    first, _ = post(tmp_path / "a", *rows)
    second, _ = post(tmp_path / "b", *rows)
    assert first.read_bytes() == second.read_bytes()


def with_sender(**changes: Any) -> Any:
    sender = None
    if changes:
        assert CONFIG.letters.sender is not None
        sender = CONFIG.letters.sender.model_copy(update=changes)
    letters = CONFIG.letters.model_copy(update={"sender": sender})
    return CONFIG.model_copy(update={"letters": letters})


def test_the_logo_of_the_sender_is_printed_on_the_first_page(tmp_path):
    from PIL import Image
    from pypdf import PdfReader

    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), (31, 78, 121)).save(logo)
    path, _ = post(tmp_path, letter_row(), config=with_sender(logo=logo))
    assert len(PdfReader(path).pages[0].images) == 1


def test_without_a_sender_the_letter_is_headed_by_the_campaign_and_its_hotline(tmp_path):
    _, text = post(tmp_path, letter_row(language="en"), config=with_sender())
    head = text.splitlines()[:4]
    assert any("K3 electric kettle" in line for line in head), head
    assert any("400-000-0000" in line for line in head), head
    assert "None" not in text


GOLDEN_PAGES = Path(__file__).resolve().parent.parent / "golden" / "print"
PAGES = {
    "offer.zh-CN": letter_row(prorate_factor="0.958522", expense_notes="expense_no_evidence"),
    "rejection.en": letter_row(
        language="en",
        customer_name="Mary Carter",
        postal_address="12 Long Road, Flat 4B\nLondon SW1A 1AA",
        kind="rejection",
        letter_id="c-0000001-rejection-v1",
        sku="K2-220",
        reasons="not_affected_sku;serial_out_of_range",
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_printed_page_looks_like_its_golden_image(tmp_path, name):
    """The page as a picture (pdftoppm, 30 dpi, grey): layout drift shows as a difference; a
    font's anti-aliasing does not (mean difference under 2 of 255, few pixels far off)."""
    import os

    from PIL import Image, ImageChops

    path, _ = post(tmp_path, PAGES[name])
    subprocess.run(
        ["pdftoppm", "-r", "30", "-gray", "-png", "-singlefile", str(path), str(tmp_path / "p")],
        check=True,
    )
    got = Image.open(tmp_path / "p.png").convert("L")
    golden = GOLDEN_PAGES / f"{name}.png"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN_PAGES.mkdir(exist_ok=True)
        got.save(golden, optimize=True)
    expected = Image.open(golden).convert("L")
    assert got.size == expected.size
    diff = ImageChops.difference(got, expected)
    histogram = diff.histogram()
    pixels = got.size[0] * got.size[1]
    mean = sum(level * count for level, count in enumerate(histogram)) / pixels
    far = sum(histogram[96:]) / pixels
    assert mean < 2 and far < 0.005, (mean, far, f"look at {tmp_path / 'p.png'} and {golden}")
