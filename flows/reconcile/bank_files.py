"""Bank statements as banks write them (SPEC §7): ISO 20022 camt.053 / camt.054 and SWIFT MT940.

Every booked transaction of a statement is accounted for exactly once: a payout row (our
payment, a return, or a reversal of either), `not_ours` (it carries none of our refs), or a
quarantined row naming its entry or line and why. Each statement is told with its account,
id, counts, amounts by direction and currency, and whether its balances add up; what to do
with a statement that does not, or one seen before, is the reconcile flow's choice.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, iterparse

import polars as pl
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from flows.shared.config import PAYOUT_COLUMNS
from flows.shared.io import FileRejected

# our payment references, wherever a bank puts them (MT940 customer references hold only 16)
PAYMENT_REF = re.compile(r"PR-[0-9A-F]{16}")
# a return's reason code: camt RtrInf, MT940 /RTRN/AC04/ or the German RTRN+AC04
RETURN_CODE = re.compile(r"RTRN[/+]([A-Z0-9]{4})")
NO_REFERENCE = {"", "NONREF", "NOTPROVIDED", "NONE"}
ROWS_PER_PART = 100_000

# what a transaction with our ref is, by the direction of the money and whether it reverses
STATUS = {
    ("debit", False): "paid",
    ("credit", False): "returned",
    ("credit", True): "reversed",  # a payment reversed: the money comes back
    ("debit", True): "return_reversed",  # a return reversed: the payment stands
}


@dataclass(frozen=True)
class StatementRead:
    """One statement (camt Stmt / Ntfctn, an MT940 :20: block) as read; no personal data."""

    format: str  # camt.053.001.02 | camt.054.001.08 | mt940 | …
    statement_no: int  # its position in the file, from 1
    statement_id: str
    account: str | None
    entries: int  # booked transactions (a camt TxDtls, or an entry without; an MT940 :61:)
    payouts: int  # transactions carrying one of our refs, read
    not_ours: int
    quarantined: int
    debits: dict[str, Decimal]  # currency → booked money out
    credits: dict[str, Decimal]  # currency → booked money in
    opening: Decimal | None  # signed: a debit balance is negative
    closing: Decimal | None
    currency: str | None
    content_sha256: str  # of what the statement says, to tell a repeat from a correction
    unread: tuple[str, ...] = ()  # where what is quarantined stands ("line 7", "entry 2")

    @property
    def balance_ok(self) -> bool | None:
        """Opening + booked entries = closing; None when the statement carries no balances."""
        if self.opening is None or self.closing is None:
            return None
        return self.expected_closing == self.closing

    @property
    def expected_closing(self) -> Decimal | None:
        if self.opening is None:
            return None
        ccy = self.currency
        net = self.credits.get(ccy or "", Decimal(0)) - self.debits.get(ccy or "", Decimal(0))
        return self.opening + net


@dataclass(frozen=True)
class BankFile:
    format: str
    statements: tuple[StatementRead, ...]
    frame: pl.LazyFrame  # payout and quarantined rows: ROW_COLUMNS as text, positions as ints


class RowSink:
    """Rows of a file, written to Parquet parts as they come, so a million entries never sit
    in memory as Python objects."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.rows: list[tuple[Any, ...]] = []
        self.parts: list[Path] = []

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= ROWS_PER_PART:
            self.flush()

    def flush(self) -> None:
        if not self.rows and self.parts:
            return
        target = self.workdir / f"bank-rows-{len(self.parts):05d}.parquet"
        frame = pl.DataFrame(self.rows, schema=SCHEMA, orient="row")
        frame.write_parquet(target)
        self.parts.append(target)
        self.rows = []

    def frame(self) -> pl.LazyFrame:
        self.flush()
        return pl.scan_parquet(self.parts)


SCHEMA = {
    **{c: pl.String for c in PAYOUT_COLUMNS},
    "line_no": pl.Int64,
    "detail_no": pl.Int64,
    "statement_no": pl.Int64,
    "problem": pl.String,  # why the reader quarantines the row (batch_mismatch, …), else null
    "fallback_txn_id": pl.String,  # account/statement/position: when the bank's ref is not unique
    "raw": pl.String,  # a line no grammar reads, as JSON, kept with its quarantine row
}


@dataclass
class Tally:
    """A statement being read: counts, money by direction, and its content's hash."""

    entries: int = 0
    payouts: int = 0
    not_ours: int = 0
    quarantined: int = 0
    debits: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    credits: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    digest: Any = field(default_factory=hashlib.sha256)
    unread: list[str] = field(default_factory=list)

    def quarantine(self, where: str) -> None:
        """One transaction quarantined, at `where` (said once, the first ten places kept)."""
        self.quarantined += 1
        if len(self.unread) < 10 and where not in self.unread:
            self.unread.append(where)

    def money(self, direction: str, currency: str, amount: Decimal) -> None:
        (self.debits if direction == "debit" else self.credits)[currency] += amount

    def statement(
        self,
        format: str,
        number: int,
        statement_id: str,
        account: str | None,
        opening: tuple[Decimal, str] | None,
        closing: tuple[Decimal, str] | None,
    ) -> StatementRead:
        currency = (opening or closing or (None, None))[1]
        return StatementRead(
            format=format,
            statement_no=number,
            statement_id=statement_id,
            account=account,
            entries=self.entries,
            payouts=self.payouts,
            not_ours=self.not_ours,
            quarantined=self.quarantined,
            debits=dict(self.debits),
            credits=dict(self.credits),
            opening=opening[0] if opening else None,
            closing=closing[0] if closing else None,
            currency=currency,
            content_sha256=self.digest.hexdigest(),
            unread=tuple(self.unread),
        )


def read_bank_file(path: Path, workdir: Path) -> BankFile:
    """A camt.053/054 (.xml) or MT940 (.sta, .mt940, .940) file, every booked transaction
    accounted for; FileRejected when the file cannot be read as one, naming where."""
    if path.stat().st_size == 0:
        raise FileRejected("the file is empty")
    if path.suffix.lower() == ".xml":
        return read_camt(path, workdir)
    return read_mt940(path, workdir)


def bank_reference(text: str | None) -> str | None:
    text = (text or "").strip()
    return None if text.upper() in NO_REFERENCE else text


def decimal(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


# ------------------------------------------------------------------------------------ camt


def _find(element: Element | None, *path: str) -> Element | None:
    """The first descendant along `path` of local names (read_camt strips every tag to its
    local name, whatever the camt version's namespace, so that the C `find` does this)."""
    found = element
    for name in path:
        if found is None:
            return None
        found = found.find(name)
    return found


def _text(element: Element | None, *path: str) -> str | None:
    found = _find(element, *path)
    return found.text.strip() if found is not None and found.text else None


def _everywhere(element: Element, name: str) -> Iterator[Element]:
    return element.iter(name)  # tags are local names (read_camt)


def _amount(element: Element | None) -> tuple[Decimal, str] | None:
    if element is None:
        return None
    value = decimal(element.text)
    return (value, (element.get("Ccy") or "").upper()) if value is not None else None


def _day(element: Element, name: str) -> str | None:
    return _text(element, name, "Dt") or (_text(element, name, "DtTm") or "")[:10] or None


# the message element, what a statement is called inside it, and the format it makes
MESSAGES = {
    "BkToCstmrStmt": ("Stmt", "camt.053"),
    "BkToCstmrDbtCdtNtfctn": ("Ntfctn", "camt.054"),
    "BkToCstmrAcctRpt": ("Rpt", "camt.052"),
}


@dataclass
class CamtStatement:
    """A camt statement while its elements stream past: what comes before its entries."""

    number: int
    statement_id: str | None = None
    account: str | None = None
    opening: tuple[Decimal, str] | None = None
    closing: tuple[Decimal, str] | None = None
    position: int = 0  # of the entry within the statement
    tally: Tally = field(default_factory=Tally)
    booked_only: bool = False  # a camt.053 statement: an entry without a status is booked

    def balance(self, element: Element) -> None:
        code = _text(element, "Tp", "CdOrPrtry", "Cd") or _text(element, "Tp", "CdOrPrtry", "Prtry")
        amount = _amount(_find(element, "Amt"))
        if amount is None:
            return
        sign = -1 if _text(element, "CdtDbtInd") == "DBIT" else 1
        signed = (sign * amount[0], amount[1])
        if code == "OPBD" or (code == "PRCD" and self.opening is None):
            self.opening = signed
        elif code == "CLBD":
            self.closing = signed

    def done(self, fmt: str) -> StatementRead:
        statement_id = self.statement_id or f"statement {self.number}"
        self.tally.digest.update(
            repr((statement_id, self.account, self.opening, self.closing)).encode()
        )
        return self.tally.statement(
            fmt, self.number, statement_id, self.account, self.opening, self.closing
        )


class _RootReached(Exception):
    pass


class _Prolog:
    """A parser target that stops at the first element: what defusedxml checks is before it."""

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        raise _RootReached

    def end(self, tag: str) -> None: ...
    def data(self, data: str) -> None: ...
    def close(self) -> None: ...


def no_dtd(path: Path) -> None:
    """defusedxml's parser over the document up to its first element: a DTD — where entity
    expansion and external entities live — can only stand before it, so a document without one
    is then read by the C parser, which resolves no external entity and knows no other."""
    parser = DefusedXMLParser(target=_Prolog(), forbid_dtd=True)
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1 << 16):
                parser.feed(chunk)
        except _RootReached:
            return


def read_camt(path: Path, workdir: Path) -> BankFile:
    """Statements (camt.053) or notifications (camt.054), streamed entry by entry (defusedxml:
    no DTDs, no entities)."""
    sink = RowSink(workdir)
    statements: list[StatementRead] = []
    fmt, report, current = "camt", "", None
    depth, entry_no = 0, 0
    try:
        no_dtd(path)
        cut = 0  # the length of the document's namespace, "{urn:…}": tags are cut to local names
        for event, element in iterparse(str(path), events=("start", "end")):
            if event == "start":
                depth += 1
                if depth > 3:
                    continue  # a part of what is read whole at its end
                if depth == 1:
                    cut = element.tag.index("}") + 1 if element.tag.startswith("{") else 0
                    version = element.tag[1 : max(cut - 1, 1)].rpartition(":")[2]
                    fmt = version if version.startswith("camt.") else fmt
                name = element.tag = element.tag[cut:]
                if depth == 1 and name != "Document":
                    raise FileRejected("not an ISO 20022 document (no Document element)")
                if depth == 2:
                    if name not in MESSAGES:
                        raise FileRejected("not a camt.053 statement or camt.054 notification")
                    report, kind = MESSAGES[name]
                    fmt = fmt if fmt.startswith(kind) else kind
                elif depth == 3 and name == report:
                    current = CamtStatement(len(statements) + 1, booked_only=report == "Stmt")
                continue
            depth -= 1
            if current is None or depth not in (2, 3):
                continue
            if depth == 2 and element.tag == report:
                statements.append(current.done(fmt))
                current = None
                element.clear()
                continue
            for part in element.iter():  # what _find looks for: local names
                part.tag = part.tag[cut:]
            name = element.tag
            if name == "Id":
                current.statement_id = (element.text or "").strip() or None
            elif name == "Acct":
                current.account = _text(element, "Id", "IBAN") or _text(element, "Id", "Othr", "Id")
            elif name == "Bal":
                current.balance(element)
            elif name == "Ntry":
                entry_no += 1
                current.position += 1
                _camt_entry(element, entry_no, current, sink)
                element.clear()
    except (ParseError, DefusedXmlException, LookupError) as exc:  # LookupError: no such encoding
        raise FileRejected(f"unreadable XML: {exc}") from exc
    if not report:
        raise FileRejected("not a camt.053 statement or camt.054 notification")
    return BankFile(fmt, tuple(statements), sink.frame())


def _camt_entry(entry: Element, entry_no: int, statement: CamtStatement, sink: RowSink) -> None:
    """One entry: nothing unless booked; else one transaction per TxDtls (the entry itself
    when it has none), each a payout, not ours, or quarantined."""
    status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
    if status != "BOOK" and not (status is None and statement.booked_only):
        return
    tally = statement.tally
    amount = _amount(_find(entry, "Amt"))
    direction = "debit" if _text(entry, "CdtDbtInd") == "DBIT" else "credit"
    reversal = (_text(entry, "RvslInd") or "").lower() in ("true", "1")
    day = _day(entry, "ValDt") or _day(entry, "BookgDt")
    if amount is not None:
        tally.money(direction, amount[1], amount[0])
    details = [
        tx
        for group in entry
        if group.tag == "NtryDtls"  # tags are local names here (read_camt)
        for tx in _everywhere(group, "TxDtls")
    ]
    transactions = []
    for k, tx in enumerate(details or [entry], 1):
        own = amount  # what was booked, unless a batch tells each transaction's own amount
        if len(details) > 1:
            own = _amount(_find(tx, "Amt")) or _amount(_find(tx, "AmtDtls", "TxAmt", "Amt"))
        mark = _text(tx, "CdtDbtInd") if details else None
        tx_direction = {"DBIT": "debit", "CRDT": "credit"}.get(mark or "", direction)
        refs = _find(tx, "Refs")
        texts = [_text(refs, "EndToEndId") or ""]
        texts += [u.text or "" for u in _everywhere(tx, "Ustrd")] if details else []
        ours = next((m.group(0) for t in texts if (m := PAYMENT_REF.search(t))), None)
        reason = _text(tx, "RtrInf", "Rsn", "Cd") or _text(tx, "RtrInf", "Rsn", "Prtry")
        bank_ref = bank_reference(_text(refs, "AcctSvcrRef"))
        if bank_ref is None and len(details) <= 1:
            bank_ref = bank_reference(_text(entry, "AcctSvcrRef"))
        transactions.append((k if details else 0, own, tx_direction, ours, reason, bank_ref))
        tally.digest.update(repr((amount, direction, reversal, day, own, ours, bank_ref)).encode())
    problem = None
    if len(transactions) > 1 and amount is not None:
        signed = [
            (o[0] if d == direction else -o[0]) if o is not None and o[1] == amount[1] else None
            for _, o, d, *_ in transactions
        ]
        if None in signed or sum(s for s in signed if s is not None) != amount[0]:
            problem = "batch_mismatch"
    tally.entries += len(transactions)
    if all(t[3] is None for t in transactions):  # none of ours: nothing for us to quarantine
        tally.not_ours += len(transactions)
        return
    where = statement.statement_id or statement.number
    fallback = f"{statement.account or '-'}/{where}/{statement.position}"
    for k, own, tx_direction, ours, reason, bank_ref in transactions:
        if ours is None and problem is None:
            tally.not_ours += 1
            continue
        if problem is None:
            tally.payouts += 1
        else:
            tally.quarantine(f"entry {entry_no}")
        status = STATUS[(tx_direction, reversal)]
        sink.add(
            (
                ours,
                bank_ref,
                str(own[0]) if own is not None else None,
                own[1] if own is not None else None,
                status,
                day,
                reason if status == "returned" else None,
                entry_no,
                k,
                statement.number,
                problem,
                fallback + (f"/{k}" if k else ""),
                None,
            )
        )


# ----------------------------------------------------------------------------------- MT940

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
