"""Reconcile at scale: every payment instruction of a data home answered by one provider file
(the shipped `lianpay_*.csv` mapping): most paid, 2 % failed, plus 1 % duplicate payments and
1 % references that are none of ours, then `recall run reconcile` timed in its own process.

The same answers can be written as a bank would send them (`write_payouts(..., fmt)`): one
camt.053.001.08 statement or one MT940 statement of the payout account, whose balances add up.
A failed payment is then a debit and its return (a credit with reason AC04, `RtrInf` in camt,
`/RTRN/AC04/` in the MT940 `:86:`), so a statement has one entry more per failure than the
provider's file has rows. Every file is built by one DuckDB query and written by `COPY`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.measure import Measured
from bench.pipeline import AS_OF, CAMPAIGN, recall
from flows.cli.demo import dropped_a_while_ago

ANSWERS = """
with instructed as (
    select payment_ref, amount, currency, row_number() over (order by payment_ref) as n
    from read_csv($files, all_varchar = true, union_by_name = true)
),
answers as (
    select n, 0 as kind, payment_ref, 'LP-' || n as txn, amount, currency, n % 50 = 0 as failed
    from instructed
    union all
    select n, 1, payment_ref, 'LP-D-' || n, amount, currency, false
    from instructed where n % 100 = 1
    union all
    select n, 2, 'PR-' || upper(lpad(printf('%x', n), 16, 'F')), 'LP-U-' || n, amount, currency,
        false
    from instructed where n % 100 = 2
)
"""

PAYOUTS = (
    ANSWERS
    + """
select payment_ref as 商户订单号, txn as 交易流水号, amount as 金额, currency as 币种,
    case when failed then '失败' else '成功' end as 状态, $day as 到账日期,
    case when failed then 'AC04' end as 失败原因
from answers
"""
)

# what the bank books for the answers: a payment (debit), and for a failed one its return
# (credit); the closing balance is a round figure and the opening one what makes them add up
ENTRIES = (
    ANSWERS
    + """,
entries as (
    select n, kind, 0 as leg, payment_ref, txn, amount, currency, true as debit,
        null::varchar as reason
    from answers
    union all
    select n, kind, 1, payment_ref, 'LP-R-' || n, amount, currency, false, 'AC04'
    from answers where failed
),
totals as (
    select
        count(*) as entries,
        count(distinct currency) as currencies,
        any_value(currency) as currency,
        1000000.00::decimal(18, 2) as closing,
        closing + coalesce(sum(amount::decimal(18, 2)) filter (where debit), 0)
            - coalesce(sum(amount::decimal(18, 2)) filter (where not debit), 0) as opening,
        strftime($day::date, '%y%m%d') as yymmdd,
    from entries
)
"""
)

CAMT = (
    ENTRIES
    + """,
lines as (
    select 0 as part, 0 as n, 0 as kind, 0 as leg, concat(
'<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>BENCH-STMT-1</MsgId><CreDtTm>', $day, 'T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>BENCH-STMT-1-1</Id>
      <ElctrncSeqNb>1</ElctrncSeqNb>
      <CreDtTm>', $day, 'T18:00:00</CreDtTm>
      <Acct><Id><Othr><Id>', $account, '</Id></Othr></Id><Ccy>', currency, '</Ccy></Acct>
      <Bal>
        <Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="', currency, '">', abs(opening), '</Amt>',
        '<CdtDbtInd>', if(opening < 0, 'DBIT', 'CRDT'), '</CdtDbtInd><Dt><Dt>', $day, '</Dt></Dt>
      </Bal>
      <Bal>
        <Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
        <Amt Ccy="', currency, '">', closing, '</Amt>',
        '<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>', $day, '</Dt></Dt>
      </Bal>
      <TxsSummry><TtlNtries><NbOfNtries>', entries, '</NbOfNtries></TtlNtries></TxsSummry>'
    ) as line
    from totals
    union all
    select 1, n, kind, leg, concat(
'      <Ntry>
        <Amt Ccy="', currency, '">', amount, '</Amt>
        <CdtDbtInd>', if(debit, 'DBIT', 'CRDT'), '</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>', $day, '</Dt></BookgDt>
        <ValDt><Dt>', $day, '</Dt></ValDt>
        <AcctSvcrRef>', txn, '</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><AcctSvcrRef>', txn, '</AcctSvcrRef>',
            '<EndToEndId>', payment_ref, '</EndToEndId></Refs>
          <Amt Ccy="', currency, '">', amount, '</Amt>',
          if(reason is null, '', concat('<RtrInf><Rsn><Cd>', reason, '</Cd></Rsn></RtrInf>')), '
        </TxDtls></NtryDtls>
      </Ntry>')
    from entries
    union all
    select 2, 0, 0, 0, '    </Stmt>
  </BkToCstmrStmt>
</Document>'
)
select line from lines order by part, n, kind, leg
"""
)

MT940 = (
    ENTRIES
    + """,
lines as (
    select 0 as part, 0 as n, 0 as kind, 0 as leg, concat(
        ':20:BENCHSTMT1
:25:ICBKCNBJ/', $account, '
:28C:00001/001
:60F:', if(opening < 0, 'D', 'C'), yymmdd, currency, replace(abs(opening)::varchar, '.', ',')
    ) as line
    from totals
    union all
    select 1, n, kind, leg, concat(
        ':61:', t.yymmdd, right(t.yymmdd, 4), if(debit, 'D', 'C'), replace(amount, '.', ','),
        'NTRFNONREF//', txn, '
:86:/EREF/', payment_ref, '/', if(reason is null, '', concat('RTRN/', reason, '/'))
    )
    from entries, totals as t
    union all
    select 2, 0, 0, 0, concat(':62F:C', yymmdd, currency, replace(closing::varchar, '.', ','), '
-')
    from totals
)
select line from lines order by part, n, kind, leg
"""
)

FORMATS = {  # the file each format is written to, and the query that writes it
    "csv": ("lianpay_bench.csv", PAYOUTS),
    "camt": ("camt053_bench.xml", CAMT),
    "mt940": ("icbc_bench.sta", MT940),
}
ACCOUNT = "6222020200012345678"  # the shipped campaign's [[payments.accounts]] (ICBC: no IBAN)


def write_answers(files: list[str], target: Path, fmt: str = "csv") -> int:
    """The answers to the instructions in `files` as one file of `fmt` (csv, camt, mt940) at
    `target`; the rows of the provider's file, or the entries of the statement."""
    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        query = FORMATS[fmt][1]
        params = {"files": files, "day": AS_OF}
        if fmt == "csv":
            con.sql(query, params=params).pl(lazy=True).sink_csv(target)
            (count,) = con.execute(
                "select count(*) from read_csv(?, all_varchar = true)", [str(target)]
            ).fetchone() or (0,)
            return int(count)
        params["account"] = ACCOUNT
        totals = con.execute(
            ENTRIES + "select entries, currencies from totals", {"files": files, "day": AS_OF}
        ).fetchone() or (0, 0)
        if totals[1] != 1:
            raise ValueError(f"one statement holds one currency, the instructions have {totals[1]}")
        con.execute(
            f"copy ({query}) to '{target}' "  # COPY takes no parameter for its target
            "(format csv, header false, quote '', escape '', delimiter '\x01')",
            params,
        )
        return int(totals[0])
    finally:
        con.close()


def write_payouts(home: Path, fmt: str = "csv") -> tuple[int, int]:
    """The provider's file (or the bank's statement) in the home's payout inbox; (instructions,
    payout rows or statement entries)."""
    files = sorted(str(p) for p in (home / "out" / CAMPAIGN / "instructions").glob("*.csv"))
    inbox = home / "inbox" / CAMPAIGN / "payouts"
    inbox.mkdir(parents=True, exist_ok=True)
    target = inbox / FORMATS[fmt][0]
    rows = write_answers(files, target, fmt)
    dropped_a_while_ago([target])  # past the inbox settle delay
    con = duckdb.connect()
    try:
        (instructions,) = con.execute(
            "select count(*) from read_csv(?, all_varchar = true)", [files]
        ).fetchone() or (0,)
    finally:
        con.close()
    return int(instructions), rows


def reconcile(
    home: Path, config: Path, prefect_home: Path, fmt: str = "csv"
) -> tuple[Measured, int, int]:
    instructions, payouts = write_payouts(home, fmt)
    run = recall(home, config, "run", "reconcile", PREFECT_HOME=str(prefect_home))
    return run, instructions, payouts
