"""Property (SPEC §7): any bank statement written from a set of payment instructions — each
paid alone or in a batch, returned, its payment reversed, its return reversed, paid twice,
underpaid or never paid, among transactions that are not ours and one to an unknown ref — read
as a camt.053 (.02 or .08) or MT940 file and loaded through the flow's SQL, reconciles to the
classes its stories intend; every booked transaction is accounted for once and the balances
add up."""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.reconcile.flow import classify
from flows.reconcile.payout_files import PayoutRead, read_payouts
from flows.reconcile.statements import judge, record, staged_counts
from flows.shared import db
from flows.shared.config import load_campaign
from flows.shared.files import sha256_file
from flows.shared.inbox import stage_view
from flows.shared.input_tables import sink_stage
from flows.shared.settings import SHIPPED_CONFIG_DIR

CAMPAIGN = "RC-2026-017"
CONFIG = load_campaign(SHIPPED_CONFIG_DIR / "campaigns" / f"{CAMPAIGN}.toml")
START = date(2026, 10, 15)  # the instructions' day; payments follow on days 1 to 7
AS_OF = START + timedelta(days=10)
LATER_AS_OF = START + timedelta(days=20)  # a later reconcile run, after the reissues
ACCOUNT = "6222020200012345678"
FORMATS = ("camt.053.001.02", "camt.053.001.08", "mt940")
# how our ref is written: camt in the end-to-end id or the unstructured remittance text;
# MT940 in :86: as /EREF/, the German ?20 EREF+ (maybe split over two subfields), free text,
# or in the :61: line's supplementary details
LAYOUTS = {"camt": ("e2e", "ustrd"), "mt940": ("eref", "german", "free", "supplementary")}
# what a transaction is (direction, reversal) → the payout status SPEC §7 says it is
STATUS = {
    ("debit", False): "paid",
    ("credit", False): "returned",
    ("credit", True): "reversed",
    ("debit", True): "return_reversed",
}
NOT_OURS = (
    "Reserve top-up RC-2026-017",
    "Bank charges October",
    "Invoice PR-2026-17 settlement",
    "Refund PR-12AB order 77",
)
REASONS = ("AC04", "AM04", "MD07", "AC01")


@dataclass
class Txn:
    """One booked transaction the generator means the statement to carry."""

    ref: str | None  # ours (or the unknown one) as written; None: not ours
    direction: str  # debit | credit
    reversal: bool
    amount: Decimal
    day: int  # days after START
    reason: str | None = None  # a return's code
    group: int = 0  # camt: the transactions of one group > 0 are booked as one batch entry
    bank_ref: str | None = None  # the bank's own reference; None: NONREF, "": none at all
    layout: str = ""
    text: str = ""  # a not-ours transaction's description
    own_amount: bool = True  # camt: a lone transaction's details repeat the entry's amount

    @property
    def status(self) -> str:
        return STATUS[(self.direction, self.reversal)]


def intended_class(story: str, max_reissues: int) -> str:
    if story in FAILED:
        return "failed" if max_reissues >= 1 else "unpayable"
    return {
        "paid": "matched",
        "batch": "matched",
        "return_reversed": "matched",
        "duplicate": "duplicate_payment",
        "underpaid": "underpaid",
        "outstanding": "outstanding",
    }[story]


DRESS = ("prefix", "prcd", "envelope", "pages", "garbled")
STORIES = ("paid", "batch", "returned", "reversed", "return_reversed", "duplicate", "underpaid")
# returned, then (in a later statement) its reissue paid; and besides the return reversed
LATER = ("reissue_paid", "reissue_paid_and_return_reversed")
FAILED = ("returned", "reversed", *LATER)
amounts = st.decimals(min_value=Decimal("0.02"), max_value=Decimal("99999.99"), places=2)


@st.composite
def statements(draw: st.DrawFn) -> dict:
    """Instructions with their stories, and the statement's transactions telling them."""
    fmt = draw(st.sampled_from(FORMATS))
    layouts = LAYOUTS["mt940" if fmt == "mt940" else "camt"]
    n = draw(st.integers(1, 7))
    numbers = draw(st.lists(st.integers(0, 2**64 - 2), min_size=n, max_size=n, unique=True))
    refs = [f"PR-{k:016X}" for k in numbers]
    stories = draw(
        st.lists(st.sampled_from((*STORIES, *LATER, "outstanding")), min_size=n, max_size=n)
    )
    instructed = draw(st.lists(amounts, min_size=n, max_size=n))
    txns: list[Txn] = []

    def pay(ref: str, amount: Decimal, day: int, group: int = 0) -> None:
        group = group or draw(st.sampled_from((0, 0, 1, 2, 3)))
        txns.append(Txn(ref, "debit", False, amount, group or day, group=group))

    for ref, story, amount in zip(refs, stories, instructed, strict=True):
        first = draw(st.integers(1, 3))
        if story in ("paid", "returned", "reversed", "return_reversed", "duplicate", *LATER):
            pay(ref, amount, first)
        if story == "batch":
            pay(ref, amount, first, group=draw(st.integers(1, 3)))
        if story == "underpaid":
            cut = draw(st.decimals(min_value=Decimal("0.01"), max_value=amount - Decimal("0.01")))
            pay(ref, (amount - cut).quantize(Decimal("0.01")), first)
        if story in ("returned", "return_reversed", *LATER):
            reason = draw(st.sampled_from(REASONS))
            group = draw(st.sampled_from((0, 0, 4, 5)))  # returns come in batches too
            day = group or draw(st.integers(4, 5))
            txns.append(Txn(ref, "credit", False, amount, day, reason, group=group))
        if story == "return_reversed":
            txns.append(Txn(ref, "debit", True, amount, draw(st.integers(6, 7))))
        if story == "reversed":
            txns.append(Txn(ref, "credit", True, amount, draw(st.integers(4, 7))))
        if story == "duplicate":
            pay(ref, amount, draw(st.integers(1, 7)))
    if draw(st.booleans()):  # a payment to a ref that is none of our instructions
        pay("PR-FFFFFFFFFFFFFFFF", draw(amounts), draw(st.integers(1, 7)))
    for _ in range(draw(st.integers(0, 3))):
        direction = draw(st.sampled_from(("debit", "credit")))
        group = draw(st.sampled_from((0, 0, 1, 2, 3) if direction == "debit" else (0, 0, 4, 5)))
        day = group or draw(st.integers(1, 7))
        text = draw(st.sampled_from(NOT_OURS))
        txns.append(Txn(None, direction, False, draw(amounts), day, group=group, text=text))
    for k, t in enumerate(txns, 1):
        t.bank_ref = draw(st.sampled_from((f"BK{k:06d}", f"BK{k:06d}", None, "")))
        t.layout = draw(st.sampled_from(layouts))
        t.own_amount = draw(st.booleans())
    order = draw(st.permutations(range(len(txns))))
    txns = sorted((txns[k] for k in order), key=lambda t: t.day)
    return {
        "format": fmt,
        "refs": refs,
        "stories": stories,
        "instructed": instructed,
        "txns": txns,
        "opening": draw(st.decimals(min_value=-50000, max_value=900000, places=2)),
        "max_reissues": draw(st.integers(0, 2)),
        "pending": draw(st.booleans()) and fmt != "mt940",
        "shared_batch_ref": draw(st.booleans()),
        "wrap": draw(st.integers(20, 65)),
        "terse": draw(st.booleans()),  # amounts as banks shorten them: 100, 100.5, 100,
        "entry_day": draw(st.booleans()),  # MT940: the optional entry date of a :61: line
        "split": draw(st.sampled_from((0, 0, 0, 2, 3, 4, 5, 7))),  # > 0: a second statement
        # how the file is wrapped: camt elements with a namespace prefix and PRCD (the previous
        # closing) as opening balance; MT940 in a SWIFT envelope, two statements as two pages
        # of one (:62M: and :60M:), a garbled line (a tag mistyped) after the first opening
        # days (after START) of a reissue's payment and of the reversal of its return
        "later": draw(
            st.lists(st.tuples(st.integers(12, 14), st.integers(12, 14)), min_size=n, max_size=n)
        ),
        "again": draw(st.booleans()),  # and the same statements come again in another file
        "dress": draw(st.sets(st.sampled_from(DRESS))),
    }


@dataclass
class Part:
    """One statement of the file: its transactions, balances and days."""

    number: int
    txns: list[Txn]
    opening: Decimal
    closing: Decimal
    first: date
    last: date


def parts(case: dict) -> list[Part]:
    """The file's statements: one, or two when the days after `split` make a second one (which
    may have no transactions); each opens with the closing balance of the one before."""
    start, end = case.get("days", (0, 10))
    cuts = [(start, case["split"]), (case["split"], end)] if case["split"] else [(start, end)]
    found, opening = [], case["opening"]
    for number, (after, upto) in enumerate(cuts, 1):
        txns = [t for t in case["txns"] if after < t.day <= upto]
        signed = (t.amount if t.direction == "credit" else -t.amount for t in txns)
        closing = opening + sum(signed, Decimal(0))
        days = (START + timedelta(days=after), START + timedelta(days=upto))
        found.append(Part(number, txns, opening, closing, *days))
        opening = closing
    return found


# ------------------------------------------------------------------------------------ camt


def digits(amount: Decimal, terse: bool) -> str:
    """An amount with two decimals, or as short as it goes (100, 100.5)."""
    text = f"{abs(amount):.2f}"
    return text.rstrip("0").rstrip(".") if terse else text


def camt_amount(amount: Decimal, terse: bool = False) -> str:
    return f'<Amt Ccy="CNY">{digits(amount, terse)}</Amt>'


def camt_balance(code: str, amount: Decimal, day: date, terse: bool) -> str:
    mark = "DBIT" if amount < 0 else "CRDT"
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>{camt_amount(amount, terse)}"
        f"<CdtDbtInd>{mark}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
    )


def camt_details(t: Txn, v08: bool, batch: bool, shared_ref: str | None, terse: bool) -> str:
    refs = ""
    bank_ref = "NONREF" if t.bank_ref is None else t.bank_ref
    if shared_ref or bank_ref:
        refs += f"<AcctSvcrRef>{shared_ref or bank_ref}</AcctSvcrRef>"
    e2e = t.ref if t.ref and t.layout == "e2e" else "NOTPROVIDED"
    refs += f"<EndToEndId>{e2e}</EndToEndId>"
    text = t.text if t.ref is None else "Recall compensation RC-2026-017"
    if t.ref and t.layout == "ustrd":
        text = f"Recall compensation {t.ref} RC-2026-017"
    mark = "DBIT" if t.direction == "debit" else "CRDT"
    if v08:
        amount = f"{camt_amount(t.amount, terse)}<CdtDbtInd>{mark}</CdtDbtInd>"
    else:
        amount = f"<AmtDtls><TxAmt>{camt_amount(t.amount, terse)}</TxAmt></AmtDtls>"
    return_info = f"<RtrInf><Rsn><Cd>{t.reason}</Cd></Rsn></RtrInf>" if t.reason else ""
    return (
        f"<TxDtls><Refs>{refs}</Refs>{amount if batch or t.own_amount else ''}"
        f"<RmtInf><Ustrd>{text}</Ustrd></RmtInf>{return_info}</TxDtls>"
    )


def camt_entry(case: dict, txns: list[Txn], status: str = "BOOK", ref: str = "") -> str:
    v08, terse = case["format"].endswith(".08"), case["terse"]
    head = txns[0]
    total = sum((t.amount for t in txns), Decimal(0))
    day = START + timedelta(days=head.day)
    mark = "DBIT" if head.direction == "debit" else "CRDT"
    batch = len(txns) > 1
    entry_ref = ref or ("NONREF" if head.bank_ref is None else head.bank_ref)
    entry_ref = f"BATCH-{head.bank_ref or 'X'}" if batch else entry_ref
    shared = entry_ref if case["shared_batch_ref"] else None
    details = "".join(camt_details(t, v08, batch, shared, terse) for t in txns)
    return (
        f"<Ntry>{camt_amount(total, terse)}<CdtDbtInd>{mark}</CdtDbtInd>"
        + ("<RvslInd>true</RvslInd>" if head.reversal else "")
        + (f"<Sts><Cd>{status}</Cd></Sts>" if v08 else f"<Sts>{status}</Sts>")
        + f"<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
        + (f"<AcctSvcrRef>{entry_ref}</AcctSvcrRef>" if entry_ref else "")
        + "<NtryDtls>"
        + (f"<Btch><NbOfTxs>{len(txns)}</NbOfTxs></Btch>" if batch else "")
        + details
        + "</NtryDtls></Ntry>"
    )


def camt_statement(case: dict, part: Part, last: bool) -> str:
    groups: dict[int, list[Txn]] = {}
    entries: list[list[Txn]] = []
    for t in part.txns:
        if t.group and not t.reversal:
            if t.group not in groups:
                groups[t.group] = []
                entries.append(groups[t.group])
            groups[t.group].append(t)
        else:
            entries.append([t])
    body = "".join(camt_entry(case, e) for e in entries)
    if case["pending"] and last:  # not booked yet: no transaction of the statement
        pending = Txn(case["refs"][0], "debit", False, case["instructed"][0], 9, layout="e2e")
        body += camt_entry(case, [pending], status="PDNG", ref="PENDING-1")
    return (
        f"<Stmt><Id>STMT-{part.first:%Y%m%d}-{part.number}</Id><Acct><Id><IBAN>{ACCOUNT}</IBAN></Id></Acct>"
        + camt_balance(
            "PRCD" if "prcd" in case["dress"] else "OPBD", part.opening, part.first, case["terse"]
        )
        + camt_balance("CLBD", part.closing, part.last, case["terse"])
        + body
        + "</Stmt>"
    )


def write_camt(case: dict, target: Path) -> None:
    found = parts(case)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{case["format"]}"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-10-25T18:00:00</CreDtTm></GrpHdr>"
        + "".join(camt_statement(case, p, p is found[-1]) for p in found)
        + "</BkToCstmrStmt></Document>"
    )
    if "prefix" in case["dress"]:
        xml = re.sub(r"<(/?)(?=[A-Z])", r"<\1camt:", xml).replace("xmlns=", "xmlns:camt=")
    target.write_text(xml, encoding="utf-8")


# ----------------------------------------------------------------------------------- MT940


def mt940_amount(amount: Decimal, terse: bool) -> str:
    text = digits(amount, terse).replace(".", ",")
    return text if "," in text else f"{text},"


def mt940_balance(tag: str, amount: Decimal, day: date, terse: bool) -> str:
    mark = "D" if amount < 0 else "C"
    return f":{tag}:{mark}{day:%y%m%d}CNY{mt940_amount(amount, terse)}"


def mt940_details(t: Txn) -> str:
    code = f"/RTRN/{t.reason}/" if t.reason else ""
    if t.ref is None or t.layout == "supplementary":
        return t.text or f"Recall compensation RC-2026-017{code}"
    if t.layout == "eref":
        return f"/EREF/{t.ref}/REMI/Recall compensation RC-2026-017{code}"
    if t.layout == "german":
        split = 5 + len(t.ref) // 2  # the ref over ?20 and ?21, as long refs are
        eref = f"EREF+{t.ref}"
        said = f"?23RTRN+{t.reason}" if t.reason else ""
        kind = "RETOURE" if t.reason else "SEPA-UEBERW"
        return f"166?00{kind}?100399?20{eref[:split]}?21{eref[split:]}?22SVWZ+RC-2026-017{said}"
    return f"Recall compensation {t.ref} RC-2026-017 {code}".strip()


def wrapped(text: str, width: int) -> list[str]:
    """:86: text in lines of `width`, none starting with ':' or '-' (which SWIFT forbids)."""
    lines: list[str] = []
    while text:
        cut = min(width, len(text))
        while cut < len(text) and text[cut] in ":-":
            cut += 1
        lines.append(text[:cut])
        text = text[cut:]
    return lines


def garbled(case: dict) -> int:
    """How many garbled lines the file has (and its first statement quarantines)."""
    return int(case["format"] == "mt940" and "garbled" in case["dress"])


def write_mt940(case: dict, target: Path) -> None:
    marks = {("debit", False): "D", ("credit", False): "C", ("credit", True): "RD"}
    marks[("debit", True)] = "RC"
    envelope, pages = "envelope" in case["dress"], "pages" in case["dress"]
    found = parts(case)
    lines = ["{1:F01ICBKCNBJAXXX0000000000}{2:I940ICBKCNBJXXXXN}{4:"] if envelope else []
    for part in found:
        page = f"00001/{part.number:03d}" if pages else f"{part.number:05d}/001"
        lines += [
            f":20:STMT{part.first:%Y%m%d}",
            f":25:{ACCOUNT}",
            f":28C:{page}",
            mt940_balance(
                "60M" if pages and part.number > 1 else "60F",
                part.opening,
                part.first,
                case["terse"],
            ),
        ]
        if part.number == 1 and garbled(case):
            lines.append(":6l:261016D1,00NTRFNONREF")  # quarantined, never dropped
        for t in part.txns:
            day = START + timedelta(days=t.day)
            days = f"{day:%y%m%d%m%d}" if case["entry_day"] else f"{day:%y%m%d}"
            customer = t.ref[:16] if t.ref else "NONREF"
            bank = {None: "//NONREF", "": ""}.get(t.bank_ref, f"//{t.bank_ref}")
            mark = marks[(t.direction, t.reversal)]
            amount = mt940_amount(t.amount, case["terse"])
            lines.append(f":61:{days}{mark}{amount}NTRF{customer}{bank}")
            if t.ref and t.layout == "supplementary":
                lines.append(t.ref)  # the :61: line's supplementary details
            if t.ref or t.text != NOT_OURS[0]:  # a top-up without :86: details
                first, *more = wrapped(mt940_details(t), case["wrap"])
                lines += [f":86:{first}", *more]
        closing = "62M" if pages and part is not found[-1] else "62F"
        lines += [mt940_balance(closing, part.closing, part.last, case["terse"])]
        lines += ["-}" if envelope and part is found[-1] else "-"]
    target.write_text("\r\n".join(lines) + "\r\n", encoding="latin-1")


# ------------------------------------------------------------------------------------ load


def write(case: dict, folder: Path) -> Path:
    mt940 = case["format"] == "mt940"
    path = folder / ("statement.sta" if mt940 else "statement.xml")
    (write_mt940 if mt940 else write_camt)(case, path)
    return path


def load(
    con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, run_id: str
) -> tuple[PayoutRead, list[str]]:
    """The file read, its statements judged, loaded and recorded as the reconcile flow's
    load_payout_file does; with the statements' fates."""
    work = workdir / run_id
    work.mkdir()
    read = read_payouts(path, CONFIG, work)
    fates = judge(con, CONFIG, CAMPAIGN, read)
    skipped = [f.statement.statement_no for f in fates if f.status == "skipped"]
    frame = read.frame.filter(~pl.col("statement_no").is_in(skipped).fill_null(False))
    stage, _ = sink_stage(frame, path, work)
    sha256 = sha256_file(path)  # as archived: two files of one name are two files
    with db.transaction(con):
        with stage_view(con, "stage_payouts", stage, path, sha256, 1):
            db.run(con, "reconcile/payout_rows")
        db.run(con, "reconcile/payout_quarantine", campaign=CAMPAIGN, run_id=run_id)
        db.run(con, "reconcile/payouts", campaign=CAMPAIGN, run_id=run_id)
        counts = staged_counts(con)
        record(con, CAMPAIGN, run_id, sha256, path.name, read.format, fates, counts)
    return read, [f.status for f in fates]


TABLES = (
    "payouts",
    "payout_quarantine",
    "payout_statements",
    "payment_instructions",
    "reconciliation_items",
)


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """What reconciling has made: payouts, quarantine, instructions (reissues) and classes."""
    return {
        "payouts": con.execute(
            "select * exclude (run_id) from payouts order by provider_txn_id"
        ).fetchall(),
        "quarantined": con.execute("select count(*) from payout_quarantine").fetchall(),
        "instructions": con.execute(
            "select payment_ref, reissue_of from payment_instructions order by all"
        ).fetchall(),
        "classes": con.execute(
            "select item, class, payment_ref, provider_txn_id from reconciliation_items "
            "order by all"
        ).fetchall(),
    }


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(statements())
def test_any_statement_of_our_instructions_reconciles_to_the_intended_classes(con, case):
    for table in TABLES:
        db.execute(con, f"delete from {table}")
    for n, (ref, amount) in enumerate(zip(case["refs"], case["instructed"], strict=True)):
        db.execute(
            con,
            "insert into payment_instructions (payment_ref, campaign, claim_id, run_id, payee, "
            "contact, amount, currency, instructed_on) "
            "values (?, ?, ?, 'r0', 'N', 'c', ?, 'CNY', ?)",
            [ref, CAMPAIGN, f"c{n}", amount, START],
        )
    with tempfile.TemporaryDirectory(prefix="statement-") as folder:
        path = write(case, Path(folder))
        read, fates = load(con, path, Path(folder), "r1")
        classify(con, CAMPAIGN, "r1", AS_OF, case["max_reissues"])
        if case["again"]:  # the bank sends the same statements again, in another file
            first = snapshot(con)
            again = path.with_name(f"again-{path.name}")
            again.write_bytes(path.read_bytes() + b"\r\n")
            assert load(con, again, Path(folder), "r2")[1] == ["skipped"] * len(fates)
            classify(con, CAMPAIGN, "r2", AS_OF, case["max_reissues"])
            assert snapshot(con) == first
    assert fates == ["loaded"] * len(read.statements)

    # each statement: balances add up, every booked transaction accounted for once
    written = parts(case)
    assert [(s.entries, s.closing) for s in read.statements] == [
        (len(p.txns) + (p.number == 1) * garbled(case), p.closing) for p in written
    ]
    assert all(s.balance_ok is True for s in read.statements)
    entries = sum(s.entries for s in read.statements)
    not_ours = sum(s.not_ours for s in read.statements)
    payouts = db.scalar(con, "select count(*) from payouts")
    quarantined = db.scalar(con, "select count(*) from payout_quarantine")
    assert entries == len(case["txns"]) + garbled(case) == payouts + not_ours + quarantined
    assert quarantined == garbled(case)
    assert not_ours == sum(t.ref is None for t in case["txns"])
    # our transactions, and only they, are payouts: ref, status, amount, return code
    loaded = con.execute(
        "select payment_ref, status, amount, return_reason from payouts"
    ).fetchall()
    assert Counter(loaded) == Counter(
        (t.ref, t.status, t.amount, t.reason if t.status == "returned" else None)
        for t in case["txns"]
        if t.ref is not None
    )
    # every instruction in the class its story intends; returns reissued while they may be
    classes = dict(
        con.execute(
            "select payment_ref, class from reconciliation_items where item = 'instruction'"
        ).fetchall()
    )
    max_reissues = case["max_reissues"]
    told = (case["refs"], case["stories"], case["instructed"])
    for ref, story in zip(case["refs"], case["stories"], strict=True):
        assert (story, classes[ref]) == (story, intended_class(story, max_reissues))
    reissued = {
        r
        for (r,) in con.execute(
            "select reissue_of from payment_instructions where reissue_of is not null"
        ).fetchall()
    }
    failed = {r for r, s in zip(case["refs"], case["stories"], strict=True) if s in FAILED}
    assert reissued == (failed if max_reissues >= 1 else set())
    assert all(classes[r] == "outstanding" for r in classes if r not in case["refs"])
    unknown = con.execute(
        "select distinct class from reconciliation_items where payment_ref = 'PR-FFFFFFFFFFFFFFFF'"
    ).fetchall()
    assert unknown in ([], [("unknown_ref",)])

    # a later statement: the reissues of some returns paid; some of those returns then reversed
    # too — the claim paid twice, which a person must see as a duplicate payment
    later = [(r, s, a, d) for r, s, a, d in zip(*told, case["later"], strict=True) if s in LATER]
    if max_reissues < 1 or not later:
        return
    reissue = dict(
        con.execute(
            "select reissue_of, payment_ref from payment_instructions where reissue_of is not null"
        ).fetchall()
    )
    txns = []
    for k, (ref, story, amount, (paid_on, reversed_on)) in enumerate(later, 1):
        layout = LAYOUTS["mt940" if case["format"] == "mt940" else "camt"][0]
        txns.append(Txn(reissue[ref], "debit", False, amount, paid_on, None, 0, f"BL{k}", layout))
        if story == "reissue_paid_and_return_reversed":
            txns.append(Txn(ref, "debit", True, amount, reversed_on, None, 0, f"BR{k}", layout))
    txns.sort(key=lambda t: t.day)
    opening = parts(case)[-1].closing
    second = case | {"txns": txns, "opening": opening, "split": 0, "pending": False}
    with tempfile.TemporaryDirectory(prefix="statement-") as folder:
        path = write(second | {"days": (10, 20)}, Path(folder))
        read, fates = load(con, path, Path(folder), "r3")
    classify(con, CAMPAIGN, "r3", LATER_AS_OF, max_reissues)
    assert fates == ["loaded"] and read.statements[0].balance_ok is True
    now = dict(
        con.execute(
            "select payment_ref, class from reconciliation_items where item = 'instruction'"
        ).fetchall()
    )
    for ref, story, _, _ in later:
        pair = (now[ref], now[reissue[ref]])
        if story == "reissue_paid":
            assert pair == ("failed", "matched")
        else:  # whichever was paid last is the second payment of the claim
            assert sorted(pair) == ["duplicate_payment", "matched"]
    later_refs = {r for r, *_ in later} | {reissue[r] for r, *_ in later}
    assert {r: c for r, c in now.items() if r not in later_refs} == {
        r: c for r, c in classes.items() if r not in later_refs
    }
