"""SWIFT MT940 bank statements (SPEC §7), as banks really write them: every :61: line a row
of flows.reconcile.statement_rows, its :86: details read in any layout."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from flows.reconcile.statement_rows import (
    PAYMENT_REF,
    RETURN_CODE,
    STATUS,
    BankFile,
    RowSink,
    StatementRead,
    Tally,
    bank_reference,
    decimal,
)
from flows.shared.files import FileRejected

TAG_LINE = re.compile(r":(\d{2}[A-Z]?|NS):")
SUBFIELD = re.compile(r"\?\d{2}")  # German :86: structure: ?20 … ?29 purpose, ?60 … ?63 more
OPENING, CLOSING = ("60F", "60M", "60"), ("62F", "62M", "62")
MT940_DIRECTION = {"D": "debit", "C": "credit", "RD": "credit", "RC": "debit"}


def _mt940_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # the German and Dutch banks' ISO 8859 files


# a tag and its continuation lines (not empty, not starting like a tag or a block), or a line
# that starts like a tag but is not one
MT940_PIECE = re.compile(
    r"^(?::(\d{2}[A-Z]?|NS):([^\n]*(?:\n(?![:\-{}])(?=[^\n]*\S)[^\n]*)*)|(:[^\n]*))", re.M
)
TRAILING_BLANKS = re.compile(r"[ \t\f\v]+(?=\n|$)")


def _mt940_tags(text: str) -> Iterator[tuple[str, int, str]]:
    """(tag, line, value) for every tag of the text, a value's continuation lines joined with
    newlines; a line that starts like a tag but is not one is ("?", line, the line), so that
    nothing the tag grammar cannot read goes unreported."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    line_no, seen = 1, 0
    for found in MT940_PIECE.finditer(text):
        line_no += text.count("\n", seen, found.start())
        seen = found.start()
        tag, value, garbled = found.groups()
        if garbled is not None:
            yield "?", line_no, garbled.rstrip()
        else:
            yield tag, line_no, TRAILING_BLANKS.sub("", value)


@dataclass
class Mt940Statement:
    number: int
    reference: str = ""
    account: str | None = None
    sequence: str = ""
    opening: tuple[Decimal, str] | None = None
    closing: tuple[Decimal, str] | None = None
    opening_day: str = ""
    transactions: list[list[Any]] = field(default_factory=list)  # :61: line, value, :86: text
    garbled: list[tuple[int, str, str]] = field(default_factory=list)  # line, what, text
    digest: Any = field(default_factory=hashlib.sha256)

    @property
    def statement_id(self) -> str:
        """The statement number (:28C:) with its opening day: banks that number every
        statement 0 (Sparkasse) still tell one day's statement from another's."""
        return f"{self.sequence or self.reference or '-'} {self.opening_day}".strip()


def _balance(value: str) -> tuple[tuple[Decimal, str], str] | None:
    from mt940.tags import TAG_BY_ID

    found = TAG_BY_ID["60F"].re.match(value)
    amount = decimal(found.group("amount")) if found else None
    if found is None or amount is None:
        return None
    sign = -1 if found.group("status") == "D" else 1
    day = f"20{found.group('year')}-{found.group('month')}-{found.group('day')}"
    return (sign * amount, found.group("currency").upper()), day


def read_mt940(path: Path, workdir: Path) -> BankFile:
    """Statements of a SWIFT MT940 file: its tags found line by line here (so a garbled line is
    quarantined, not skipped), each :61: read by the mt-940 library's grammar."""
    statements: list[Mt940Statement] = []
    current: Mt940Statement | None = None
    for tag, line_no, value in _mt940_tags(_mt940_text(path)):
        if tag == "?" and current is None:
            continue  # a header before the first statement (Rabobank's ":940:")
        if tag == "20" or current is None:
            current = Mt940Statement(len(statements) + 1)
            statements.append(current)
        current.digest.update(f"{tag}:{value}\n".encode())
        if tag == "20":
            current.reference = value.strip()
        elif tag == "25":
            current.account = value.strip() or None
        elif tag.startswith("28"):
            current.sequence = value.strip()
        elif tag in OPENING and current.opening is None:
            balance = _balance(value)
            if balance is None:
                current.garbled.append((line_no, f"unreadable opening balance :{tag}:", value))
            else:
                current.opening, current.opening_day = balance
        elif tag in CLOSING:
            balance = _balance(value)
            if balance is None:
                current.garbled.append((line_no, f"unreadable closing balance :{tag}:", value))
            else:
                current.closing = balance[0]  # (amount, currency)
        elif tag == "61":
            current.transactions.append([line_no, value, ""])
        elif tag == "86" and current.transactions and not current.transactions[-1][2]:
            current.transactions[-1][2] = value
        elif tag == "?":
            current.transactions.append([line_no, None, value])
    statements = [s for s in statements if s.reference or s.transactions or s.opening]
    if not statements:
        raise FileRejected("no MT940 statement in the file (no :20: or :61: tag)")
    sink = RowSink(workdir)
    read = tuple(_mt940_statement(s, sink) for s in statements)
    if not any(s.opening is not None or s.closing is not None or s.entries for s in read):
        raise FileRejected("no MT940 statement in the file (no balances and no :61: lines)")
    return BankFile("mt940", read, sink.frame())


def unreadable(
    sink: RowSink, statement: Mt940Statement, line_no: int, what: str, text: str
) -> None:
    """A line of the statement that cannot be read as a transaction: quarantined verbatim."""
    currency = (statement.opening or statement.closing or (None, None))[1]
    where = f"{statement.account or '-'}/{statement.statement_id}/line {line_no}"
    raw = json.dumps({"line": text}, ensure_ascii=False)
    problem = f"unreadable_line ({what})"
    row = (None, None, None, currency, None, None, None, line_no, 0, statement.number, problem)
    sink.add((*row, where, raw))


def _mt940_statement(statement: Mt940Statement, sink: RowSink) -> StatementRead:
    from mt940.tags import TAG_BY_ID, StatementASNB

    # the SWIFT grammar, then ASN's (an IBAN as customer reference: 34 characters, not 16)
    grammars = (TAG_BY_ID[61].re, StatementASNB().re)
    tally = Tally()
    tally.digest = statement.digest
    currency = (statement.opening or statement.closing or (None, ""))[1]
    where = f"{statement.account or '-'}/{statement.statement_id}/"  # the fallback id's start
    for position, (line_no, value, details) in enumerate(statement.transactions, 1):
        tally.entries += 1
        fallback = f"{where}{position}"
        found = value and (grammars[0].match(value) or grammars[1].match(value))
        amount = decimal(found.group("amount")) if found else None
        mark = found.group("status").upper() if found else ""
        if found is None or amount is None or mark not in MT940_DIRECTION:
            tally.quarantine(f"line {line_no}")
            what = "a garbled line" if value is None else "a :61: line the grammar cannot read"
            unreadable(sink, statement, line_no, what, details if value is None else value)
            continue
        direction = MT940_DIRECTION[mark]
        tally.money(direction, currency, amount)
        joined = details.replace("\n", "")
        if "?" in joined:
            joined = SUBFIELD.sub("", joined)
        own_refs = [found.group(g) or "" for g in ("customer_reference", "extra_details")]
        text = " ".join([*own_refs, joined])
        ours = PAYMENT_REF.search(text)
        if ours is None:
            tally.not_ours += 1
            continue
        tally.payouts += 1
        status = STATUS[(direction, mark.startswith("R"))]
        reason = RETURN_CODE.search(text) if status == "returned" else None
        sink.add(
            (
                ours.group(0),
                bank_reference(found.group("bank_reference")),
                str(amount),
                currency or None,
                status,
                f"20{found.group('year')}-{found.group('month')}-{found.group('day')}",
                reason.group(1) if reason else None,
                line_no,
                0,
                statement.number,
                None,
                fallback,
                None,
            )
        )
    for line_no, what, text in statement.garbled:  # counted as the lines that cannot be read
        tally.entries += 1
        tally.quarantine(f"line {line_no}")
        unreadable(sink, statement, line_no, what, text)
    return tally.statement(
        "mt940",
        statement.number,
        statement.statement_id,
        statement.account,
        statement.opening,
        statement.closing,
    )
