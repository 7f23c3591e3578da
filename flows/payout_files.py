"""Payout files (SPEC §7) read into one shape: the provider's CSV/XLSX, camt.053/054, MT940.

Every reader returns text cells (`PAYOUT_COLUMNS`) plus the line (or entry) number they came
from; parsing amounts, dates and statuses, and quarantining what does not parse, is SQL's job
(`sql/reconcile/payout_rows.sql`), as for customer lists.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import polars as pl

from flows.config import PAYOUT_COLUMNS, CampaignConfig
from flows.io import (
    FIELDS_OK,
    LINE_NO,
    FileRejected,
    blank_as_null,
    canonical_targets,
    named_frame,
    raw_cells,
    read_table,
)

# our payment references, wherever a bank puts them (MT940 customer references hold only 16)
PAYMENT_REF = re.compile(r"PR-[0-9A-F]{16}")


def read_payouts(
    path: Path, config: CampaignConfig, workdir: Path, name: str | None = None
) -> pl.LazyFrame:
    """The payouts of one file as text cells, with `line_no` and `fields_ok`; `name` is the
    file's name as dropped in the inbox, which picks its provider (the path's own if not
    given: intake reads the archived copy)."""
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise FileRejected("the file is empty")
    if suffix == ".xml":
        rows = camt_rows(path)
    elif suffix in (".sta", ".mt940", ".940"):
        rows = mt940_rows(path)
    else:
        return _provider_frame(path, config, workdir, name or path.name)
    if not rows:
        raise FileRejected("the file has no booked entries")
    frame = pl.LazyFrame(rows, schema=[*PAYOUT_COLUMNS, "line_no"], orient="row")
    return frame.with_columns(pl.lit(True).alias("fields_ok"), pl.lit(None, pl.String).alias("raw"))


def _provider_frame(path: Path, config: CampaignConfig, workdir: Path, name: str) -> pl.LazyFrame:
    """A payment provider's CSV/XLSX, its columns mapped to ours and its statuses translated."""
    provider = config.payments.provider_for(name)
    frame = read_table(
        path,
        provider.encoding if provider else "utf-8",
        provider.sheet if provider else None,
        workdir,
    )
    mapping = provider.columns if provider else {}
    frame = named_frame(frame)
    targets = canonical_targets(frame.collect_schema().names(), mapping, PAYOUT_COLUMNS)
    present = {t: c for c, t in targets.items()}
    missing = [c for c in PAYOUT_COLUMNS if c != "return_reason" and c not in present]
    if missing:
        raise FileRejected(f"required column missing: {', '.join(missing)}")
    statuses = {k.lower(): v for k, v in (provider.statuses if provider else {}).items()}
    cells = []
    for column in PAYOUT_COLUMNS:
        cell = blank_as_null(present[column]) if column in present else pl.lit(None, pl.String)
        if column == "status":
            word = cell.str.to_lowercase()
            cell = word
            for said, meant in statuses.items():  # a few words: streams, unlike replace()
                cell = pl.when(word == said).then(pl.lit(meant)).otherwise(cell)
        cells.append(cell.alias(column))
    return frame.select(
        *cells,
        pl.col(LINE_NO).alias("line_no"),
        pl.col(FIELDS_OK).alias("fields_ok"),
        raw_cells(),
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element: ET.Element, *path: str) -> ET.Element | None:
    """The first descendant along `path` of local names, whatever the camt version's namespace."""
    found: ET.Element | None = element
    for name in path:
        if found is None:
            return None
        found = next((c for c in found if _local(c.tag) == name), None)
    return found


def _text(element: ET.Element, *path: str) -> str | None:
    found = _find(element, *path)
    return found.text.strip() if found is not None and found.text else None


def camt_rows(path: Path) -> list[list[Any]]:
    """Booked entries of an ISO 20022 camt.053 statement or camt.054 notification.

    One row per transaction (TxDtls; an entry without details is one transaction). Debits
    are payments made; a credit carrying return information, or a reversal, gives our money
    back. The end-to-end id is our payment_ref. Pending entries are not yet payouts.
    """
    try:
        root = ET.parse(path).getroot()  # expat expands no external entities
    except ET.ParseError as exc:
        raise FileRejected(f"unreadable XML: {exc}") from exc
    if _local(root.tag) != "Document":
        raise FileRejected("not an ISO 20022 document (no Document element)")
    message = next(iter(root), None)
    kinds = {"BkToCstmrStmt": "Stmt", "BkToCstmrDbtCdtNtfctn": "Ntfctn"}
    if message is None or _local(message.tag) not in kinds:
        raise FileRejected("not a camt.053 statement or camt.054 notification")
    rows: list[list[Any]] = []
    entry_no = 0
    for report in (c for c in message if _local(c.tag) == kinds[_local(message.tag)]):
        for entry in (c for c in report if _local(c.tag) == "Ntry"):
            entry_no += 1
            status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
            if status != "BOOK":
                continue
            details = [
                tx
                for group in entry
                if _local(group.tag) == "NtryDtls"
                for tx in group
                if _local(tx.tag) == "TxDtls"
            ] or [entry]
            for tx in details:
                row = _camt_row(entry, tx, entry_no)
                if row[4] != "credit":  # money in that returns none of ours is not a payout
                    rows.append(row)
    return rows


def _camt_row(entry: ET.Element, tx: ET.Element, entry_no: int) -> list[Any]:
    found = _find(tx, "Amt")
    amount = found if found is not None else _find(entry, "Amt")
    reason = _text(tx, "RtrInf", "Rsn", "Cd") or _text(tx, "RtrInf", "Rsn", "Prtry")
    if _text(entry, "RvslInd") == "true":
        status = "reversed"
    elif _text(entry, "CdtDbtInd") == "DBIT":
        status = "paid"
    else:
        status = "returned" if reason is not None or _find(tx, "RtrInf") is not None else "credit"
    return [
        _text(tx, "Refs", "EndToEndId"),
        _text(tx, "Refs", "AcctSvcrRef")
        or _text(tx, "Refs", "TxId")
        or _text(entry, "AcctSvcrRef"),
        amount.text.strip() if amount is not None and amount.text else None,
        amount.get("Ccy") if amount is not None else None,
        status,
        _text(entry, "ValDt", "Dt") or _text(entry, "BookgDt", "Dt"),
        reason,
        entry_no,
    ]


def mt940_rows(path: Path) -> list[list[Any]]:
    """Statement lines (:61:) of a SWIFT MT940 file, parsed by the mt-940 library.

    Our payment_ref is found in the customer reference or the details (:86:, e.g. /EREF/);
    the bank reference is the provider's transaction id. D is a payment, C a return (reason
    after /RTRN/), RD/RC a reversal.
    """
    import mt940

    try:
        transactions = list(mt940.parse(str(path)))
    except Exception as exc:  # the library raises bare exceptions on malformed tags
        raise FileRejected(f"unreadable MT940 file: {exc}") from exc
    rows: list[list[Any]] = []
    for number, tx in enumerate(transactions, 1):
        data = tx.data
        text = f"{data.get('customer_reference') or ''} {data.get('transaction_details') or ''}"
        ref = PAYMENT_REF.search(text.replace("\n", ""))
        mark = data.get("status") or ""
        reason = re.search(r"/RTRN/([A-Z0-9]{4})", (data.get("transaction_details") or ""))
        status = {"D": "paid", "C": "returned"}.get(
            mark, "reversed" if mark.startswith("R") else ""
        )
        if mark == "C" and ref is None:
            continue  # money in that returns none of ours is not a payout
        amount = data.get("amount")
        bank_ref = (
            data.get("bank_reference") or (data.get("extra_details") or "").partition("//")[2]
        )
        rows.append(
            [
                ref.group(0) if ref else data.get("customer_reference"),
                bank_ref.strip() or f"{data.get('transaction_reference')}/{number}",
                str(abs(amount.amount)) if amount is not None else None,
                data.get("currency"),
                status,
                str(data["date"]) if data.get("date") else None,
                reason.group(1) if reason else None,
                number,
            ]
        )
    return rows
