"""Letters: HTML+text letters/s written against raw Jinja2 rendering of the same templates;
post PDF pages/s against WeasyPrint rendering the same letters one by one."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from flows.letters.approvals import template_files
from flows.letters.batches import Batch, context
from flows.letters.render import render
from flows.letters.runners import batch_template, write_batches
from flows.shared.config import load_campaign
from flows.shared.settings import SHIPPED_CONFIG_DIR, TEMPLATES_DIR

CONFIG = load_campaign(SHIPPED_CONFIG_DIR / "campaigns" / "RC-2026-017.toml")
AS_OF = date(2026, 10, 15)


def due_letters(count: int, channel: str) -> list[dict[str, Any]]:
    """Offer letters as letters_due.sql returns them, alternating zh-CN and en."""
    return [
        {
            "letter_id": f"bench-{n:07d}-offer-v1",
            "claim_id": f"bench-{n:07d}",
            "kind": "offer",
            "offer_version": 1,
            "language": "zh-CN" if n % 2 else "en",
            "channel": channel,
            "customer_name": "王小明" if n % 2 else "Mary Carter",
            "postal_address": "上海市浦东新区 1 号" if channel == "post" else None,
            "contact": f"c{n}@example.cn" if channel == "email" else None,
            "sku": "K3-220",
            "serial_no": f"K3A{n % 99900 + 100:06d}",
            "lot_code": None,
            "purchase_date": date(2026, 3, 5),
            "claim_date": date(2026, 9, 10),
            "goodwill": Decimal(150 + n % 100),
            "bonus": Decimal("30.00"),
            "bonus_rate": Decimal("0.20"),
            "expenses": Decimal("200.00"),
            "adjustment": Decimal("0.00"),
            "total": Decimal(380 + n % 100),
            "prorate_factor": "0.958522" if n % 3 == 0 else None,
            "expense_notes": "expense_capped" if n % 4 == 0 else "",
            "documented_expenses": Decimal("250.00"),
            "expense_type": "repair",
            "reasons": "",
        }
        for n in range(count)
    ]


def template_batch(folder: Path) -> Batch:
    return batch_template(CONFIG, folder, AS_OF, template_files(TEMPLATES_DIR))


def run_batches(batches: list[Batch]) -> float:
    """Seconds the flow's batch writer takes, worker start-up included."""
    started = time.perf_counter()
    write_batches(batches)
    return time.perf_counter() - started


def raw_render_rate(letters: list[dict[str, Any]], batch: Batch) -> float:
    """Letters/s of Jinja2 alone (HTML + text of the same templates), one process, no files."""
    started = time.perf_counter()
    for row in letters:
        lang = row["language"]
        render(TEMPLATES_DIR, batch.locales[lang], "CNY", lang, "offer", context(batch, row))
    return len(letters) / (time.perf_counter() - started)


def weasyprint_one_by_one(letters: list[dict[str, Any]], batch: Batch, folder: Path) -> float:
    """Pages/s of WeasyPrint writing each post letter's HTML as its own PDF."""
    from weasyprint import HTML

    started = time.perf_counter()
    pages = 0
    for row in letters:
        lang = row["language"]
        html, _ = render(
            TEMPLATES_DIR, batch.locales[lang], "CNY", lang, "offer", context(batch, row)
        )
        document = HTML(string=html).render()
        document.write_pdf(folder / f"{row['letter_id']}.pdf")
        pages += len(document.pages)
    return pages / (time.perf_counter() - started)


def weasyprint_one_document(letters: list[dict[str, Any]], batch: Batch, folder: Path) -> float:
    """Pages/s of WeasyPrint writing the same letters as one document: each letter's body in
    its own section starting on a new page, under the first letter's styles."""
    from weasyprint import HTML

    started = time.perf_counter()
    head, bodies = "", []
    for row in letters:
        lang = row["language"]
        html, _ = render(
            TEMPLATES_DIR, batch.locales[lang], "CNY", lang, "offer", context(batch, row)
        )
        head = head or html[: html.index("<body")]
        body = html[html.index(">", html.index("<body")) + 1 : html.rindex("</body>")]
        bodies.append(f'<section style="page-break-before: always">{body}</section>')
    document = HTML(string=f"{head}<body>{''.join(bodies)}</body></html>").render()
    document.write_pdf(folder / "letters.pdf")
    return len(document.pages) / (time.perf_counter() - started)


def print_rate(batch: Batch, posts: list[dict[str, Any]], folder: Path) -> tuple[int, float]:
    """Pages and pages/s of post letters written as batch PDFs of 500 (the flow's writer)."""
    from pypdf import PdfReader

    post_batches = [
        replace(batch, number=1000 + i, channel="post", letters=posts[s : s + 500])
        for i, s in enumerate(range(0, len(posts), 500))
    ]
    seconds = run_batches(post_batches)
    pages = sum(len(PdfReader(p).pages) for p in folder.glob("*.pdf"))
    return pages, pages / seconds


def print_only(post_letters: int = 2_000) -> str:
    """The letters print part alone: `python -c "from bench.letters import print_only as p;
    print(p())"`."""
    work = Path(tempfile.mkdtemp(prefix="recall-bench-print-"))
    try:
        pages, rate = print_rate(
            template_batch(work / "run"), due_letters(post_letters, "post"), work / "run" / "post"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return f"{pages:,} pages in {pages / rate:.2f} s = {rate:,.0f} pages/s"


def main(email_letters: int = 50_000, post_letters: int = 2_000) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="recall-bench-letters-"))
    try:
        batch = template_batch(work / "run")
        emails = due_letters(email_letters, "email")
        raw = raw_render_rate(emails[:5000], batch)
        size = 1000
        email_batches = [
            replace(batch, number=i + 1, channel="email", letters=emails[s : s + size])
            for i, s in enumerate(range(0, len(emails), size))
        ]
        seconds = run_batches(email_batches)
        written = sum(
            len(batch.read_text(encoding="utf-8").splitlines())
            for batch in (work / "run" / "email").glob("*.jsonl")
        )
        ours = written / seconds
        posts = due_letters(post_letters, "post")
        pages, pdf_rate = print_rate(batch, posts, work / "run" / "post")
        (work / "weasy").mkdir()
        weasy = weasyprint_one_by_one(posts[:4], batch, work / "weasy")
        weasy_document = weasyprint_one_document(posts[:100], batch, work / "weasy")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [
        "## Letters",
        "",
        f"- HTML+text email letters written: {written:,} in {written / ours:.2f} s = "
        f"**{ours:,.0f} letters/s** ({os.cpu_count()} processes, batches of {size}); "
        f"raw Jinja2 render of the same templates (HTML + text, one process, no files): "
        f"{raw:,.0f} letters/s. Target ≥ 5,000 letters/s.",
        f"- Post letters as batch PDFs (fpdf2, WenQuanYi Micro Hei): {pages:,} pages in "
        f"{pages / pdf_rate:.2f} s = **{pdf_rate:,.0f} pages/s**; WeasyPrint one by one on "
        f"the same letters' HTML: {weasy:.2f} pages/s (ratio {pdf_rate / weasy:,.0f}×); "
        f"WeasyPrint with 100 of them as one document: {weasy_document:.2f} pages/s (ratio "
        f"{pdf_rate / weasy_document:,.0f}×). Target ≥ 100 pages/s.",
    ]


if __name__ == "__main__":
    raise SystemExit("run `python -m bench`: worker processes re-import a module run as __main__")
