"""Post letters as print-house batch PDFs (SPEC §6a): many letters per file, each a document a
company signs — letterhead, recipient in the envelope window, reference box, the breakdown as a
table, page numbers on multi-page letters — with their page ranges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from fpdf import FPDF

from flows.letters.lines import break_lines
from flows.letters.render import Printed

# WenQuanYi Micro Hei (Debian fonts-wqy-microhei, installed by `make`) has the CJK glyphs.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
)
# A4, mm. Text from 25 mm (DIN 5008); the window of a DL/C5 envelope (DIN 5008 form B):
# 20 mm from the left, 45 mm from the top, 85 × 45 mm, the sender's line at its top.
LEFT, RIGHT, WIDTH = 25.0, 190.0, 165.0
WINDOW_X, WINDOW_Y, WINDOW_W, WINDOW_H = 25.0, 45.0, 80.0, 45.0
BOX_X, BOX_Y, BOX_W = 120.0, 50.5, 70.0  # date and reference
BODY_TOP, NEXT_TOP, BODY_BOTTOM = 104.0, 26.0, 276.0
SIZE, LINE, GAP = 10.5, 5.2, 2.6  # body font (pt), line pitch and paragraph gap (mm)
AMOUNT_W, INDENT = 40.0, 5.0  # table amount column; list item indent
INK, GREY, BLUE = (26, 26, 26), (90, 90, 90), (31, 78, 121)


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


class LetterPdf(FPDF):
    """An FPDF whose header() draws the letterhead and footer() the page number of the letter
    being laid out: a batch holds many letters, so `alias_nb_pages` (the document's page count)
    is not theirs; each letter is paginated before it is drawn and knows its own count."""

    def __init__(self, sender: dict[str, Any]) -> None:
        super().__init__(format="A4")
        self.sender = sender
        self.letter: Printed | None = None
        self.letter_page, self.letter_pages = 0, 0
        # what the page on the press shows: add_page() draws the last page's footer after
        # the next letter was set up, so the footer reads this, set once a page is added
        self.shown: tuple[Printed, int, int] | None = None
        self.widths: dict[str, float] = {}  # mm per pt of each character: measured once
        self.colour: tuple[int, int, int] | None = None

    def measure(self, size: float) -> Callable[[str], float]:
        widths = self.widths

        def width(text: str) -> float:
            total = 0.0
            for char in text:
                w = widths.get(char)
                if w is None:
                    w = widths[char] = self.get_string_width(char) / self.font_size_pt
                total += w
            return total * size

        return width

    def put(self, x: float, y: float, text: str, size: float, colour=INK, bold=False) -> None:
        if size != self.font_size_pt:
            self.set_font_size(size)
        if colour != self.colour:  # fpdf2 makes a new colour object on every call
            self.set_text_color(*colour)
            self.set_fill_color(*colour)  # text() brackets text whose fill differs in q/Q
            self.colour = colour
        if bold:  # the font has no bold face: fill and stroke the glyphs
            with self.local_context(text_mode="FILL_STROKE", line_width=size * 0.012):
                self.set_draw_color(*colour)
                self.text(x, y, text)
        else:
            self.text(x, y, text)

    def put_right(self, x: float, y: float, text: str, size: float, bold: bool = False) -> None:
        self.put(x - self.measure(size)(text), y, text, size, bold=bold)

    def header(self) -> None:
        sender, letter = self.sender, self.letter
        assert letter is not None
        if self.letter_page > 1:  # a continuation page: who writes, about what
            head = sender["company"] or letter.subject
            self.put(LEFT, 15, break_lines(head, WIDTH - 50, self.measure(8.5))[0], 8.5, GREY)
            self.put_right(RIGHT, 15, f"{letter.labels['reference']} {letter.reference}", 8.5)
            self.set_draw_color(*BLUE)
            self.line(LEFT, 18, RIGHT, 18)
            return
        room = WIDTH
        if sender.get("logo"):  # fitted into a 35 × 16 mm box at the top right
            self.image(sender["logo"], x=RIGHT - 35, y=10, w=35, h=16, keep_aspect_ratio=True)
            room -= 40
        name = break_lines(sender["company"] or letter.subject, room, self.measure(12.5))
        for n, line in enumerate(name[:2]):
            self.put(LEFT, 17 + n * 5, line, 12.5, BLUE, bold=True)
        reach = " · ".join(filter(None, [sender["hotline"], sender["email"]]))
        lines = [*sender["address"], reach]
        for n, line in enumerate(lines):  # at most 3 address lines ([letters.sender]): 4 here
            self.put(LEFT, 17 + 5 * len(name[:2]) + n * 3.4, line, 8, GREY)
        self.set_draw_color(*BLUE)
        self.set_line_width(0.4)
        self.line(LEFT, 39.5, RIGHT, 39.5)
        self.set_line_width(0.2)

    def footer(self) -> None:
        assert self.shown is not None
        letter, number, count = self.shown
        self.set_draw_color(200, 200, 200)
        self.line(LEFT, 283, RIGHT, 283)
        who = " · ".join(filter(None, [self.sender["company"], self.sender["hotline"]]))
        self.put(LEFT, 288, who, 7.5, GREY)
        if count > 1:
            page = letter.labels["page"].format(number=number, count=count)
            self.put_right(RIGHT, 288, page, 8)


def first_page(pdf: LetterPdf, letter: Printed) -> None:
    """The envelope window (sender's line, recipient), the reference box and the subject."""
    sender = pdf.sender
    if sender["company"]:
        back = " · ".join([sender["company"], *sender["address"][:1]])
        if pdf.measure(6.5)(back) > WINDOW_W:  # the window shows no more: the company alone
            back = break_lines(sender["company"], WINDOW_W, pdf.measure(6.5))[0]
        pdf.put(WINDOW_X, WINDOW_Y + 4, back, 6.5, GREY)
    measure = pdf.measure(SIZE)
    lines = [ln for part in letter.recipient for ln in break_lines(part, WINDOW_W, measure)]
    for n, line in enumerate(lines[:7]):  # seven lines fill the window
        pdf.put(WINDOW_X, WINDOW_Y + 11 + n * 4.8, line, SIZE)
    pdf.set_draw_color(*GREY)
    pdf.rect(BOX_X, BOX_Y, BOX_W, 13.5)
    # the box's rows share the baselines of the recipient's first two lines (name, address):
    # read as text, each row is on a line of its own with them
    for n, (label, value) in enumerate(
        [(letter.labels["reference"], letter.reference), (letter.labels["date"], letter.date)]
    ):
        pdf.put(BOX_X + 3, WINDOW_Y + 11 + n * 4.8, label, 8, GREY)
        pdf.put(BOX_X + 22, WINDOW_Y + 11 + n * 4.8, value, SIZE, bold=n == 0)
    pdf.put(LEFT, BODY_TOP - 8, letter.subject, 11.5, BLUE, bold=True)


Op = tuple[str, float, str]  # (what, height, text): "p" | "li" | "row" | "total" | "gap"


def pages_of(pdf: LetterPdf, letter: Printed) -> list[list[Op]]:
    """The letter's body broken into lines and cut into pages, before anything is drawn."""
    measure = pdf.measure(SIZE)
    ops: list[Op] = []
    rows = [i for i, (kind, _) in enumerate(letter.body) if kind == "row"]
    for i, (kind, text) in enumerate(letter.body):
        if kind == "gap":
            ops.append(("gap", GAP, ""))
        elif kind == "row":
            ops.append(("total" if i == rows[-1] else "row", LINE + 0.8, text))
        else:
            width = WIDTH - (INDENT if kind == "li" else 0)
            for n, line in enumerate(break_lines(text, width, measure)):
                ops.append(("li" if kind == "li" and n == 0 else kind + "+", LINE, line))
    pages: list[list[Op]] = [[]]
    y, bottom = BODY_TOP, BODY_BOTTOM
    for op in ops:
        if y + op[1] > bottom:
            pages.append([])
            y = NEXT_TOP
        if op[0] != "gap" or pages[-1]:
            pages[-1].append(op)
            y += op[1]
    return pages


def draw_page(pdf: LetterPdf, ops: list[Op], top: float) -> None:
    y = top
    for what, height, text in ops:
        base = y + 4.0
        if what in ("row", "total"):
            label, amount = text.split("\t", 1)
            right = LEFT + WIDTH * 0.75
            if what == "total":
                pdf.set_draw_color(*INK)
                pdf.line(LEFT, y + 0.2, right, y + 0.2)
            pdf.put(LEFT, base, label, SIZE, bold=what == "total")
            pdf.put_right(right, base, amount, SIZE, bold=what == "total")
        elif what == "li":
            pdf.put(LEFT, base, "•", SIZE)
            pdf.put(LEFT + INDENT, base, text, SIZE)
        elif what != "gap":
            pdf.put(LEFT + (INDENT if what == "li+" else 0), base, text, SIZE)
        y += height


def batch_pdf(
    letters: list[tuple[str, Printed]], letter_date: date, sender: dict[str, Any]
) -> tuple[bytes, list[tuple[str, int, int]]]:
    """Lay out (letter_id, letter) pairs, each starting on a new A4 page: the PDF and the page
    range of each letter. `sender`: company (None: the letter's subject heads it), address
    lines, hotline, email, logo."""
    pdf = LetterPdf(sender)
    pdf.set_auto_page_break(False)
    pdf.set_margins(LEFT, 10, 210 - RIGHT)
    # dated by the letters, not the clock: the same letters give the same bytes
    pdf.set_creation_date(datetime.combine(letter_date, time(), tzinfo=UTC))
    pdf.add_font("letter", fname=str(font_path()), collection_font_number=0)
    pdf.set_font("letter", size=SIZE)
    ranges = []
    for letter_id, letter in letters:
        first = pdf.page_no() + 1
        pdf.letter = letter
        pages = pages_of(pdf, letter)
        pdf.letter_pages = len(pages)
        for number, ops in enumerate(pages, 1):
            pdf.letter_page = number
            pdf.add_page()
            pdf.colour = None  # a new page starts from fpdf2's colours
            pdf.shown = (letter, number, len(pages))
            if number == 1:
                first_page(pdf, letter)
            draw_page(pdf, ops, BODY_TOP if number == 1 else NEXT_TOP)
        ranges.append((letter_id, first, pdf.page_no()))
    return bytes(pdf.output()), ranges
