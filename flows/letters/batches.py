"""Rendering one batch of letters in a worker process: files written atomically, rows returned."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flows.letters.render import Printed, render, render_print, render_sms
from flows.letters.sms import SmsTooLong, encoding, segments, units


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
    # the letterhead of post letters: company, address lines, hotline, email, logo (a path)
    sender: dict[str, Any] | None = None
    payment_method: dict[str, str] = field(default_factory=dict)  # per language
    # [payments] accept_within_days when offers must be accepted (require_acceptance), else None
    accept_within_days: int | None = None


def exit_with_parent() -> None:
    """Worker initializer: end this worker when the run that started it is gone (killed), so
    no orphan goes on writing letters — or holding the run's output pipes open."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def owner_only_file(path: str, flags: int) -> int:
    """An `open()` opener: the file is created readable by its owner only (letters hold
    personal data)."""
    return os.open(path, flags, 0o600)


def context(batch: Batch, row: dict[str, Any]) -> dict[str, Any]:
    """The template context of one letter (see render.sample_context for its shape)."""
    language = row["language"]
    notes = [n for n in (row["expense_notes"] or "").split(";") if n]
    capped = "expense_capped" in notes
    printed = batch.channel == "post"
    name, address = row["customer_name"], row["postal_address"]
    if printed:  # a tab marks a table cell in print layout: customer text never does
        name, address = name.replace("\t", " "), address and address.replace("\t", " ")
    return {
        "letter": {
            "id": row["letter_id"],
            "date": batch.letter_date,
            "language": language,
            "kind": row["kind"],
            "layout": "print" if printed else "text",
        },
        "customer": {"name": name, "address": address},
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
            "sms_link": batch.campaign.get("sms_link"),
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
            "source": row.get("offer_source"),
        },
        "reasons": [r for r in (row["reasons"] or "").split(";") if r],
        "cure_by": row.get("cure_by"),
        "dispute": {"kind": row.get("dispute_kind"), "decision": row.get("dispute_decision")},
        "reply_by": batch.letter_date + timedelta(days=batch.reply_within_days),
        "accept_by": (
            batch.letter_date + timedelta(days=batch.accept_within_days)
            if batch.accept_within_days
            else None
        ),
        "payment_days": batch.payment_days,
        "payment_method": batch.payment_method.get(language),
        "evidence_to": batch.evidence_to,
    }


def _sms(batch: Batch, row: dict[str, Any]) -> str:
    """The SMS of one letter; SmsTooLong when it would be sent as more than one message."""
    language, kind = row["language"], row["kind"]
    text = render_sms(
        batch.templates_dir,
        batch.locales[language],
        batch.campaign["currency"],
        language,
        kind,
        context(batch, row),
    )
    if (count := segments(text)) > 1:
        raise SmsTooLong(
            f"{batch.templates_dir / 'letters' / language / f'{kind}.sms.j2'}: the SMS of letter "
            f"{row['letter_id']} takes {count} messages ({units(text)} {encoding(text)} units; "
            f"one holds 160 GSM-7 or 70 UCS-2); shorten the template (then "
            f"`recall templates approve`), the hotline or `[letters] sms_link`"
        )
    return text


def _message(batch: Batch, row: dict[str, Any], html: str, text: str) -> str:
    """One line of an email/sms batch: what a sending service needs to send the letter."""
    message = {
        "letter_id": row["letter_id"],
        "claim_id": row["claim_id"],
        "kind": row["kind"],
        "language": row["language"],
        "to": row["contact"],
        "subject": f"{batch.campaign['texts'][row['language']]['title']} — {row['claim_id']}",
        "text": text,
    }
    if batch.channel == "email":
        message["html"] = html
    return json.dumps(message, ensure_ascii=False)


def write_batch(batch: Batch) -> list[dict[str, Any]]:
    """Render every letter of the batch into one file; returns one manifest row per letter.

    Post letters go into one PDF (`batch-NNNNN.pdf`, page ranges in the manifest); email and
    sms letters into one JSON Lines file (`batch-NNNNN.jsonl`, one message per line: HTML and
    plain text for email, text for sms; its line number in the manifest). The file is written
    under a hidden temporary name and renamed into place, so a batch appears whole or not at all.
    """
    # not mkdir(parents=True): a worker left behind by a killed run must not bring back the
    # run folder that the next run discarded
    channel_dir = batch.folder / batch.channel
    channel_dir.mkdir(mode=0o700, exist_ok=True)
    final = (
        channel_dir / f"batch-{batch.number:05d}.{'pdf' if batch.channel == 'post' else 'jsonl'}"
    )
    staging = channel_dir / f".{final.name}.tmp"
    staging.unlink(missing_ok=True)  # left by a crashed attempt
    rows, lines = [], []
    post: list[tuple[str, Printed]] = []
    for row in batch.letters:
        language = row["language"]
        if batch.channel == "sms":
            html, text = "", _sms(batch, row)
        elif batch.channel == "post":
            html, text = "", ""
            args = (batch.templates_dir, batch.locales[language], batch.campaign["currency"])
            post.append(
                (row["letter_id"], render_print(*args, language, row["kind"], context(batch, row)))
            )
        else:
            html, text = render(
                batch.templates_dir,
                batch.locales[language],
                batch.campaign["currency"],
                language,
                row["kind"],
                context(batch, row),
                html=batch.channel == "email",
            )
        if batch.channel != "post":
            lines.append(_message(batch, row, html, text))
        rows.append(
            {
                "letter_id": row["letter_id"],
                "claim_id": row["claim_id"],
                "kind": row["kind"],
                "offer_version": row["offer_version"],
                "language": language,
                "channel": batch.channel,
                "path": str(final),
                "line": None if batch.channel == "post" else len(lines),
                "pages": None,
                "template_sha256": batch.template_sha256[language],
                "total": row["total"],
            }
        )
    if post:
        from flows.letters.pdf import batch_pdf  # fpdf2 is loaded only by workers writing post

        sender = batch.sender or {"company": None, "address": [], "email": None, "logo": None}
        sender = sender | {"hotline": sender.get("hotline") or batch.campaign["hotline"]}
        pdf, ranges = batch_pdf(post, batch.letter_date, sender)
        with open(staging, "xb", opener=owner_only_file) as out:
            out.write(pdf)
        pages = {lid: f"{a}-{b}" for lid, a, b in ranges}
        for entry in rows:
            entry["pages"] = pages[entry["letter_id"]]
    else:
        with open(staging, "x", encoding="utf-8", opener=owner_only_file) as out:
            out.write("\n".join(lines) + "\n")
    sha256 = hashlib.sha256(staging.read_bytes()).hexdigest()
    for entry in rows:
        entry["sha256"] = sha256
    os.replace(staging, final)
    return rows


def read_message(path: Path | str, line: int) -> dict[str, Any]:
    """The message at `line` (1-based) of an email/sms batch file, as the manifest names it."""
    with open(path, encoding="utf-8") as batch:
        for number, text in enumerate(batch, 1):
            if number == line:
                message: dict[str, Any] = json.loads(text)
                return message
    raise LookupError(f"{path}: no line {line}")
