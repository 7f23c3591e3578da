"""ISO 20022 camt.053 / camt.054 bank statements (SPEC §7), read with defusedxml: every
booked entry, and each TxDtls of a batch entry, a row of flows.reconcile.statement_rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, iterparse

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from flows.reconcile.statement_rows import (
    PAYMENT_REF,
    STATUS,
    BankFile,
    RowSink,
    StatementRead,
    Tally,
    bank_reference,
    decimal,
)
from flows.shared.files import FileRejected


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
