"""Demo payout files: what the provider and the bank send back after the demo's instructions.

Three rounds, one reconcile run each. Together they put instructions and payouts in every
class (SPEC §7), through every reader: the provider's CSV (GB18030, Chinese headers), a
camt.053 statement, a camt.054 notification with a return, and an MT940 statement.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from flows.cli.demo import DEMO_CAMPAIGN, dropped_a_while_ago
from flows.shared.files import atomic_path
from flows.shared.settings import Paths

DEMO_ROUNDS = (date(2026, 10, 22), date(2026, 10, 29), date(2026, 11, 20))
PROVIDER_HEADER = ["商户订单号", "交易流水号", "金额", "币种", "状态", "到账日期", "失败原因"]
CAMT053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
CAMT054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
Instruction = tuple[str, Decimal, date, str | None, int]  # ref, amount, day, reissue_of, attempt


def _instructions(paths: Paths) -> list[Instruction]:
    con = duckdb.connect(str(paths.database), read_only=True)
    try:
        rows = con.execute(
            "select payment_ref, amount, instructed_on, reissue_of, coalesce(attempt, 1) "
            "from payment_instructions where campaign = ? order by instructed_on, payment_ref",
            [DEMO_CAMPAIGN],
        ).fetchall()
    finally:
        con.close()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def _provider_csv(target: Path, rows: list[list[str]]) -> None:
    with atomic_path(target) as tmp, tmp.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PROVIDER_HEADER)
        writer.writerows(rows)


def _camt_entry(
    ref: str, amount: Decimal, day: date, txn: str, debit: bool, reason: str = ""
) -> str:
    returned = f"<RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf>" if reason else ""
    return f"""
      <Ntry>
        <Amt Ccy="CNY">{amount}</Amt>
        <CdtDbtInd>{"DBIT" if debit else "CRDT"}</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt>
        <ValDt><Dt>{day}</Dt></ValDt>
        <AcctSvcrRef>{txn}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd>
          <SubFmlyCd>{"ESCT" if debit else "RRTN"}</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><AcctSvcrRef>{txn}</AcctSvcrRef><EndToEndId>{ref}</EndToEndId></Refs>
          <Amt Ccy="CNY">{amount}</Amt>{returned}
        </TxDtls></NtryDtls>
      </Ntry>"""


OPENING = Decimal("2500000.00")  # the payout account's balance at the start of a statement


def _camt_balance(code: str, amount: Decimal, day: date) -> str:
    return f"""
      <Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">{amount}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"""


def camt_document(
    kind: str, message_id: str, day: date, entries: list[str], paid_out: Decimal = Decimal(0)
) -> str:
    """A camt.053 statement (`Stmt`, with opening and closing balances: `paid_out` is what
    its entries take from the account) or camt.054 notification (`Ntfctn`) of our payout
    account."""
    namespace, message, report = {
        "053": (CAMT053, "BkToCstmrStmt", "Stmt"),
        "054": (CAMT054, "BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    }[kind]
    balances = ""
    if kind == "053":
        balances = _camt_balance("OPBD", OPENING, day) + _camt_balance(
            "CLBD", OPENING - paid_out, day
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{namespace}">
  <{message}>
    <GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>
    <{report}>
      <Id>{message_id}-1</Id>
      <CreDtTm>{day}T18:00:00</CreDtTm>
      <Acct><Id><Othr><Id>6222020200012345678</Id></Othr></Id><Ccy>CNY</Ccy></Acct>{balances}{
        "".join(entries)
    }
    </{report}>
  </{message}>
</Document>
"""


def mt940_statement(reference: str, day: date, lines: list[tuple[str, Decimal, str, str]]) -> str:
    """An MT940 statement: (payment_ref, amount, bank reference, D|C) per :61: line.

    The customer reference field holds 16 characters, so our reference goes in :86: (/EREF/).
    """
    yymmdd = f"{day:%y%m%d}"
    body = [
        f":20:{reference}",
        ":25:ICBKCNBJ/6222020200012345678",
        ":28C:00042/001",
        f":60F:C{yymmdd}CNY{str(OPENING).replace('.', ',')}",
    ]
    for ref, amount, bank_ref, mark in lines:
        body.append(
            f":61:{yymmdd}{day:%m%d}{mark}{str(amount).replace('.', ',')}NTRFNONREF//{bank_ref}"
        )
        body.append(f":86:/EREF/{ref}/REMI/Recall compensation")
    paid_out = sum((a if mark == "D" else -a for _, a, _, mark in lines), Decimal(0))
    closing = str(OPENING - paid_out).replace(".", ",")
    body += [f":62F:C{yymmdd}CNY{closing}", "-"]
    return "\n".join(body) + "\n"


def write_demo_payouts(paths: Paths, round_no: int) -> list[Path]:
    """The payout files of round 1, 2 or 3 in inbox/<c>/payouts/, from the instructions made."""
    inbox = paths.inbox(DEMO_CAMPAIGN, "payouts")
    inbox.mkdir(parents=True, exist_ok=True)
    day = DEMO_ROUNDS[round_no - 1]
    instructions = _instructions(paths)
    originals = [i for i in instructions if i[3] is None]
    reissues = {i[3]: i for i in instructions if i[3] is not None}
    written: list[Path] = []
    if round_no == 1:
        rows: list[list[str]] = []

        def paid(ref: str, amount: Decimal, txn: str, status: str = "成功") -> None:
            rows.append([ref, txn, f"{amount}", "CNY", status, f"{day}", ""])

        special = originals[:17]
        paid(special[0][0], special[0][1] - Decimal("10.00"), "LP-U-1")  # underpaid
        paid(special[1][0], special[1][1] + Decimal("5.00"), "LP-O-1")  # overpaid
        paid(special[2][0], special[2][1], "LP-D-1")
        paid(special[2][0], special[2][1], "LP-D-2")  # duplicate payment
        rows.append([special[3][0], "LP-C-1", f"{special[3][1]}", "USD", "成功", f"{day}", ""])
        paid(special[4][0], special[4][1], "LP-F-1", "失败")  # failed → reissued
        paid(special[5][0], special[5][1], "LP-F-2", "失败")  # failed, and its reissues too
        paid(special[6][0], special[6][1], "LP-R-1")  # paid, then returned (camt.054)
        rows.append(["PR-0000000000000000", "LP-X-1", "88.00", "CNY", "成功", f"{day}", ""])
        rows.append([special[7][0], "LP-BAD-1", "八十八", "CNY", "成功", f"{day}", ""])  # bad line
        paying = originals[17 : int(len(originals) * 0.93)]
        for n, (ref, amount, *_) in enumerate(paying):
            paid(ref, amount, f"LP{n + 1:07d}")
        target = inbox / f"lianpay_{day:%Y%m%d}.csv"
        _provider_csv(target, rows)
        resent = inbox / f"lianpay_{day:%Y%m%d}_resent.csv"  # the same file sent twice
        resent.write_bytes(target.read_bytes())
        returned = _camt_entry(special[6][0], special[6][1], day, "CAMT-R-1", False, "AC04")
        notification = inbox / f"camt054_{day:%Y%m%d}.xml"
        notification.write_text(camt_document("054", f"N{day:%Y%m%d}", day, [returned]), "utf-8")
        statement = inbox / f"camt053_{day:%Y%m%d}.xml"
        entries = [
            _camt_entry(ref, amount, day, f"CAMT-P-{n}", True)
            for n, (ref, amount, *_) in enumerate(special[8:12])
        ]
        paid_out = sum((a for _, a, *_ in special[8:12]), Decimal(0))
        document = camt_document("053", f"S{day:%Y%m%d}", day, entries, paid_out)
        statement.write_text(document, "utf-8")
        mt940 = inbox / f"icbc_{day:%Y%m%d}.sta"
        lines = [
            (ref, amount, f"ICBC{n:06d}", "D") for n, (ref, amount, *_) in enumerate(special[12:17])
        ]
        mt940.write_text(mt940_statement(f"ST{day:%Y%m%d}", day, lines), "utf-8")
        written += [target, resent, notification, statement, mt940]
    else:
        rows = []
        amounts = {i[0]: i[1] for i in instructions}
        if round_no == 2:  # the first reissues: two paid, one failed again
            outcomes = [
                (originals[4][0], "成功"),
                (originals[5][0], "失败"),
                (originals[6][0], "成功"),
            ]
            refs = [(reissues[head][0], status) for head, status in outcomes]
        else:  # the second reissue of the same chain fails too: no reissue is left (unpayable)
            refs = [(reissues[reissues[originals[5][0]][0]][0], "失败")]
        for ref, status in refs:
            rows.append([ref, f"LP-RE-{ref[-8:]}", f"{amounts[ref]}", "CNY", status, f"{day}", ""])
        if round_no == 3:  # a few late payments; the rest stays outstanding, aged
            late = originals[int(len(originals) * 0.93) : int(len(originals) * 0.96)]
            rows += [
                [r, f"LP-L-{n}", f"{a}", "CNY", "成功", f"{day}", ""]
                for n, (r, a, *_) in enumerate(late)
            ]
        target = inbox / f"lianpay_{day:%Y%m%d}.csv"
        _provider_csv(target, rows)
        written.append(target)
    dropped_a_while_ago(written)
    return written
