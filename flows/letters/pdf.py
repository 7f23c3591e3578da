"""Post letters as print-house batch PDFs: many letters per file, with their page ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path

from fpdf import FPDF

from flows.letters.render import wrap

# WenQuanYi Micro Hei (Debian fonts-wqy-microhei, installed by `make`) has the CJK glyphs.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
)
FONT_SIZE = 10.5  # pt
LINE_MM = 5.5
LEFT_MM, TOP_MM = 18.0, 22.0
LINES_PER_PAGE = 46
COLUMNS = 88  # display columns per line (a CJK character takes two)


class FontMissing(Exception):
    """No font with Chinese glyphs is installed."""


@cache
def font_path() -> Path:
    for candidate in FONT_CANDIDATES:
        if candidate.exists():
            return candidate
    raise FontMissing(
        "no CJK font found (looked for "
        + ", ".join(map(str, FONT_CANDIDATES))
        + "); run `make demo` or install Debian's fonts-wqy-microhei"
    )


def batch_pdf(
    letters: list[tuple[str, str]], letter_date: date
) -> tuple[bytes, list[tuple[str, int, int]]]:
    """Lay out (letter_id, text) pairs, each starting on a new A4 page: the PDF and the page
    range of each letter."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    # dated by the letters, not the clock: the same letters give the same bytes
    pdf.set_creation_date(datetime.combine(letter_date, time(), tzinfo=UTC))
    pdf.add_font("letter", fname=str(font_path()), collection_font_number=0)
    pdf.set_font("letter", size=FONT_SIZE)
    ranges = []
    for letter_id, text in letters:
        first = pdf.page_no() + 1
        lines = wrap(text.rstrip("\n"), COLUMNS)
        for start in range(0, max(len(lines), 1), LINES_PER_PAGE):
            pdf.add_page()
            y = TOP_MM
            for line in lines[start : start + LINES_PER_PAGE]:
                if line:
                    pdf.text(LEFT_MM, y, line)
                y += LINE_MM
        ranges.append((letter_id, first, pdf.page_no()))
    return bytes(pdf.output()), ranges
