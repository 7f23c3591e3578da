"""Rendering one batch of letters in a worker process: files written atomically, rows returned."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flows.io import owner_only
from flows.pdf import write_batch_pdf
from flows.render import render


@dataclass(frozen=True)
class Batch:
    """Everything a worker needs to render and write one batch (picklable)."""

    number: int
    channel: str
    folder: Path  # out/<c>/letters/<run>/
    templates_dir: Path
    letter_date: date
    campaign: dict[str, Any]  # title/remedy per language, hotline, deadline, currency
    locales: dict[str, str]
    template_sha256: dict[str, str]  # per language: the sha256 of its template set
    payment_days: int
    reply_within_days: int
    evidence_to: str
    letters: list[dict[str, Any]] = field(default_factory=list)


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def context(batch: Batch, row: dict[str, Any]) -> dict[str, Any]:
    """The template context of one letter (see render.sample_context for its shape)."""
    language = row["language"]
    notes = [n for n in (row["expense_notes"] or "").split(";") if n]
    capped = "expense_capped" in notes
    return {
        "letter": {
            "id": row["letter_id"],
            "date": batch.letter_date,
            "language": language,
            "kind": row["kind"],
        },
        "customer": {"name": row["customer_name"], "address": row["postal_address"]},
        "claim": {
            "id": row["claim_id"],
            "sku": row["sku"],
            "serial_no": row["serial_no"],
            "lot_code": row["lot_code"],
            "purchase_date": row["purchase_date"],
            "claim_date": row["claim_date"],
        },
        "campaign": batch.campaign["texts"][language]
        | {
            "hotline": batch.campaign["hotline"],
            "claim_deadline": batch.campaign["claim_deadline"],
        },
        "offer": {
            "goodwill": row["goodwill"],
            "bonus": row["bonus"],
            "bonus_rate": row["bonus_rate"],
            "expenses": row["expenses"],
            "adjustment": row["adjustment"],
            "total": row["total"],
            "prorate_factor": row["prorate_factor"],
            "notes": notes,
            "documented_expenses": row["documented_expenses"],
            "expense_cap": row["expenses"] if capped else None,
            "expense_type": row["expense_type"] or "",
        },
        "reasons": [r for r in (row["reasons"] or "").split(";") if r],
        "reply_by": batch.letter_date + timedelta(days=batch.reply_within_days),
        "payment_days": batch.payment_days,
        "evidence_to": batch.evidence_to,
    }


def write_batch(batch: Batch) -> list[dict[str, Any]]:
    """Render every letter of the batch and write it; returns one manifest row per letter.

    The batch is the atomic unit: its files are written into a hidden staging folder (or
    temporary PDF) that is renamed into place at the end, so a batch appears whole or not at all.
    """
    channel_dir = owner_only(batch.folder / batch.channel)
    name = f"batch-{batch.number:05d}"
    final = channel_dir / (f"{name}.pdf" if batch.channel == "post" else name)
    staging = channel_dir / f".{final.name}.tmp"
    if staging.is_dir():
        shutil.rmtree(staging)  # left by a crashed attempt
    if batch.channel != "post":
        staging.mkdir(mode=0o700)
    rows, post = [], []
    for row in batch.letters:
        language = row["language"]
        html, text = render(
            batch.templates_dir,
            batch.locales[language],
            batch.campaign["currency"],
            language,
            row["kind"],
            context(batch, row),
        )
        entry = {
            "letter_id": row["letter_id"],
            "claim_id": row["claim_id"],
            "kind": row["kind"],
            "offer_version": row["offer_version"],
            "language": language,
            "channel": batch.channel,
            "template_sha256": batch.template_sha256[language],
            "total": row["total"],
            "text_path": None,
            "pages": None,
        }
        if batch.channel == "email":
            entry["sha256"] = _write(staging / f"{row['letter_id']}.html", html.encode())
            _write(staging / f"{row['letter_id']}.txt", text.encode())
            entry["path"] = str(final / f"{row['letter_id']}.html")
            entry["text_path"] = str(final / f"{row['letter_id']}.txt")
        elif batch.channel == "sms":
            entry["sha256"] = _write(staging / f"{row['letter_id']}.txt", text.encode())
            entry["path"] = str(final / f"{row['letter_id']}.txt")
        else:
            post.append((row["letter_id"], text))
        rows.append(entry)
    if post:
        pages = {lid: (a, b) for lid, a, b in write_batch_pdf(staging, post, batch.letter_date)}
        sha256 = hashlib.sha256(staging.read_bytes()).hexdigest()
        for entry in rows:
            first, last = pages[entry["letter_id"]]
            entry.update(path=str(final), sha256=sha256, pages=f"{first}-{last}")
    os.replace(staging, final)
    return rows
