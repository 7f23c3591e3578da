"""Reconcile on bank statements (SPEC §7): batches, returns and their reversals, German `?20`
layouts, ids that never collide across files, repeated and corrected statements, balances,
payout accounts, payout_files.csv, and money in other currencies never added to ours."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import CAMPAIGN, Workspace, make_workspace, row

ROUNDS = (date(2026, 10, 22), date(2026, 10, 29), date(2026, 11, 5), date(2026, 11, 12))
IDS = [
    "batch_a",
    "batch_b",
    "mismatch_a",
    "mismatch_b",
    "returned_then_reversed",
    "reversed_after_reissue",
    "german_paid",
    "german_returned",
    "outstanding",
]
ACCOUNT = "CN0062220202000123456789"
GERMAN = "37040044/0532013000"
OPENING = Decimal("10000.00")


def transaction(ref: str | None, amount: Decimal | None = None, reason: str = "") -> str:
    """A TxDtls: our ref as end-to-end id, its amount only in AmtDtls/TxAmt (as camt .02)."""
    refs = f"<Refs><EndToEndId>{ref}</EndToEndId></Refs>" if ref else ""
    own = f'<AmtDtls><TxAmt><Amt Ccy="CNY">{amount}</Amt></TxAmt></AmtDtls>' if amount else ""
    returned = f"<RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf>" if reason else ""
    return f"<TxDtls>{refs}{own}{returned}</TxDtls>"


def entry(
    amount: Decimal, debit: bool, day: date, bank_ref: str, details: list[str], reversal=False
) -> tuple[Decimal, str]:
    """(signed amount, Ntry XML)."""
    xml = f"""
      <Ntry><Amt Ccy="CNY">{amount}</Amt><CdtDbtInd>{"DBIT" if debit else "CRDT"}</CdtDbtInd>
        {"<RvslInd>true</RvslInd>" if reversal else ""}<Sts>BOOK</Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>
        <AcctSvcrRef>{bank_ref}</AcctSvcrRef><NtryDtls>{"".join(details)}</NtryDtls></Ntry>"""
    return (-amount if debit else amount), xml


def camt(
    kind: str,
    version: str,
    statement_id: str,
    day: date,
    entries: list[tuple[Decimal, str]],
    closing_off: Decimal = Decimal(0),
    account: str = ACCOUNT,
) -> str:
    """A camt.053 (balances that add up, unless `closing_off`) or camt.054 document."""
    message, report = {
        "053": ("BkToCstmrStmt", "Stmt"),
        "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    }[kind]
    balances = ""
    if kind == "053":
        closing = OPENING + sum(a for a, _ in entries) + closing_off
        balances = "".join(
            f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="CNY">{amount}</Amt>'
            f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>"
            for code, amount in (("OPBD", OPENING), ("CLBD", closing))
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.{version}">
  <{message}><GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>
    <{report}><Id>{statement_id}</Id><Acct><Id><IBAN>{account}</IBAN></Id></Acct>{balances}
      {"".join(x for _, x in entries)}
    </{report}>
  </{message}>
</Document>
"""


def sparkasse(day: date, lines: list[tuple[str, Decimal, str]], account: str = GERMAN) -> str:
    """A German MT940 day statement: `:20:STARTUMSE`, number 0, NONREF, our ref in ?20EREF+."""
    opening = day - timedelta(days=1)
    balance = OPENING
    body = [
        ":20:STARTUMSE",
        f":25:{account}",
        ":28C:00000/001",
        f":60F:C{opening:%y%m%d}CNY10000,00",
    ]
    for mark, amount, details in lines:
        balance += amount if mark in ("C", "RD") else -amount
        money = str(amount).replace(".", ",")
        body += [f":61:{day:%y%m%d}{day:%m%d}{mark}{money}NMSCNONREF", f":86:{details}"]
    body += [f":62F:C{day:%y%m%d}CNY{str(balance).replace('.', ',')}", "-"]
    return "\r\n".join(body) + "\r\n"


def drop(space: Workspace, name: str, text: str) -> Path:
    folder = space.paths.inbox(CAMPAIGN, "payouts")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def refs(space: Workspace) -> dict[str, list[tuple[str, Decimal]]]:
    """source_record_id → [(payment_ref, amount)] of its chain, by attempt."""
    found = space.query(
        "select c.source_record_id, p.payment_ref, p.amount from payment_instructions p "
        "join claims c using (claim_id) order by coalesce(p.attempt, 1)"
    )
    chains: dict[str, list[tuple[str, Decimal]]] = {}
    for rid, ref, amount in found:
        chains.setdefault(rid, []).append((ref, amount))
    return chains


@pytest.fixture(scope="module")
def statements(tmp_path_factory: pytest.TempPathFactory):
    """intake → compensate → four reconcile rounds answered by bank statements only."""
    from flows.reconcile.flow import ReconciliationAlert, reconcile

    with pytest.MonkeyPatch.context() as patch:
        space = make_workspace(tmp_path_factory.mktemp("statements"), patch)
        space.write_csv(
            "a.csv",
            [
                row(source_record_id=rid, serial_no=f"K3A{6000 + n:06d}", email=f"s{n}@example.cn")
                for n, rid in enumerate(IDS)
            ],
        )
        space.intake()
        space.compensate()
        space.configure(  # the shipped payout account, and this test's two
            'name = "ICBC payout account"\n',
            'name = "ICBC payout account"\n'
            f'[[payments.accounts]]\nid = "{ACCOUNT}"\n[[payments.accounts]]\nid = "0532013000"\n',
        )
        chains = refs(space)
        (a, amount_a), (b, amount_b) = chains["batch_a"][0], chains["batch_b"][0]
        (ma, amount_ma), (mb, amount_mb) = chains["mismatch_a"][0], chains["mismatch_b"][0]
        rr, amount_rr = chains["returned_then_reversed"][0]
        rar, amount_rar = chains["reversed_after_reissue"][0]
        gp, amount_gp = chains["german_paid"][0]
        gr, amount_gr = chains["german_returned"][0]
        d1, d2, d3, d4 = ROUNDS

        # round 1: a batch without refs of its own; a batch that does not add up; two single
        # payments; a top-up; a German statement; a credits-only statement; refs not ours
        first = camt(
            "053",
            "02",
            "S-R1",
            d1,
            [
                entry(
                    amount_a + amount_b,
                    True,
                    d1,
                    "R1-B",
                    [transaction(a, amount_a), transaction(b, amount_b)],
                ),
                entry(
                    amount_ma + amount_mb + 1,
                    True,
                    d1,
                    "R1-M",
                    [transaction(ma, amount_ma), transaction(mb, amount_mb)],
                ),
                entry(amount_rr, True, d1, "R1-RR", [transaction(rr)]),
                entry(amount_rar, True, d1, "R1-RAR", [transaction(rar)]),
                entry(Decimal("543.21"), False, d1, "R1-TOP", [transaction(None)]),
            ],
        )
        drop(space, "camt053_r1.xml", first)
        drop(
            space,
            "sparkasse_r1.sta",
            sparkasse(
                d1,
                [
                    ("D", amount_gp, f"116?00SEPA-UEBERWEISUNG?20EREF+{gp}?21SVWZ+Entschaedigung"),
                    ("D", amount_gr, f"116?00SEPA-UEBERWEISUNG?20EREF+{gr}?21SVWZ+Entschaedigung"),
                ],
            ),
        )
        credits = [entry(Decimal("80.00"), False, d1, "CO-1", [transaction(None)])]
        drop(space, "credits_only.xml", camt("053", "08", "S-CO", d1, credits))
        with (space.paths.inbox(CAMPAIGN, "payouts") / "unknown.csv").open("w") as handle:
            handle.write("payment_ref,provider_txn_id,amount,currency,status,value_date\n")
            handle.write(f"PR-FFFFFFFFFFFFFFFF,U-1,12.00,CNY,paid,{d1}\n")
            handle.write(f"PR-EEEEEEEEEEEEEEEE,U-2,7.00,EUR,paid,{d1}\n")
            handle.write(f"PR-EEEEEEEEEEEEEEEE,U-3,7.00,EUR,reversed,{d1}\n")
            handle.write(f"PR-DDDDDDDDDDDDDDDD,U-4,9.00,USD,paid,{d1}\n")
        summaries = [reconcile(CAMPAIGN, d1)]

        # round 2: a return and that return reversed; a return to be reissued; a German
        # return in a file whose :20: and NONREF are the same as the first one's
        returns = [
            entry(amount_rr, False, d2, "R2-RT1", [transaction(rr, reason="AC04")]),
            entry(amount_rr, True, d2, "R2-RV1", [transaction(rr)], reversal=True),
            entry(amount_rar, False, d2, "R2-RT2", [transaction(rar, reason="AC04")]),
        ]
        drop(space, "camt054_r2.xml", camt("054", "04", "N-R2", d2, returns))
        drop(
            space,
            "sparkasse_r2.sta",
            sparkasse(d2, [("C", amount_gr, f"159?00RETOURE?20EREF+{gr}?21RTRN+AC04")]),
        )
        summaries.append(reconcile(CAMPAIGN, d2))

        # round 3: the reissue paid, then the first payment's return reversed; the first
        # statement again (other bytes, same statement)
        reissue, amount_reissue = refs(space)["reversed_after_reissue"][1]
        paid = [entry(amount_reissue, True, d3, "R3-P1", [transaction(reissue)])]
        drop(space, "camt053_r3.xml", camt("053", "08", "S-R3", d3, paid))
        late = [entry(amount_rar, True, d3, "R3-RV2", [transaction(rar)], reversal=True)]
        drop(space, "camt054_r3.xml", camt("054", "08", "N-R3", d3, late))
        drop(space, "camt053_r1_again.xml", first.replace("<Document", "<!-- again -->\n<Document"))
        copy = space.paths.inbox(CAMPAIGN, "payouts") / "credits_only_copy.xml"
        copy.write_bytes((copy.parent / "credits_only.xml").read_bytes())  # the same bytes
        summaries.append(reconcile(CAMPAIGN, d3))

        # round 4: a corrected statement under the first one's id, another account's
        # statement, and one whose balances do not add up
        drop(space, "camt053_r1_corrected.xml", first.replace("543.21", "643.21"))
        other = sparkasse(d4, [("C", Decimal("1.00"), "166?20Zinsen")], account="99999999")
        drop(space, "other_account.sta", other)
        off = [entry(Decimal("3.00"), False, d4, "UB-1", [transaction(None)])]
        drop(space, "unbalanced.xml", camt("053", "08", "S-UB", d4, off, Decimal("1.00")))
        with pytest.raises(ReconciliationAlert) as alert:
            reconcile(CAMPAIGN, d4)
        yield space, summaries, str(alert.value)


def classes(space: Workspace) -> dict[str, list[str]]:
    return dict(
        space.query(
            "select c.source_record_id, list(r.class order by p.attempt) "
            "from reconciliation_items r join payment_instructions p using (payment_ref) "
            "join claims c on c.claim_id = r.claim_id where r.item = 'instruction' group by 1"
        )
    )


def test_each_instruction_of_a_statement_lands_in_its_class(statements):
    space, _, _ = statements
    assert classes(space) == {
        "batch_a": ["matched"],  # one batch entry paid both: each its own amount
        "batch_b": ["matched"],
        "mismatch_a": ["outstanding"],  # its batch did not add up: quarantined
        "mismatch_b": ["outstanding"],
        "returned_then_reversed": ["matched"],  # paid once, never reissued
        "reversed_after_reissue": ["matched", "duplicate_payment"],  # paid twice
        "german_paid": ["matched"],
        "german_returned": ["failed", "outstanding"],  # the second day's return was read
        "outstanding": ["outstanding"],
    }


def test_a_batch_paying_two_instructions_matches_both_to_the_cent(statements):
    space, _, _ = statements
    paid = space.query(
        "select c.source_record_id, r.paid = r.instructed from reconciliation_items r "
        "join claims c using (claim_id) where r.item = 'instruction' "
        "and c.source_record_id like 'batch_%' order by 1"
    )
    assert paid == [("batch_a", True), ("batch_b", True)]


def test_a_batch_that_does_not_add_up_is_quarantined_per_transaction_without_a_crash(statements):
    space, summaries, _ = statements
    quarantined = space.query(
        "select line_no, detail_no, reasons from payout_quarantine "
        "where source_file = 'camt053_r1.xml' order by detail_no"
    )
    assert quarantined == [(2, 1, "batch_mismatch"), (2, 2, "batch_mismatch")]
    assert {f.file_name: f.status for f in summaries[0].files}["camt053_r1.xml"] == "loaded"


def test_a_return_reversed_is_not_reissued(statements):
    space, summaries, _ = statements
    chain = refs(space)["returned_then_reversed"]
    assert len(chain) == 1  # no reissue
    assert summaries[1].reissued == 2  # the other two returns only


def test_a_reversal_after_a_reissue_pays_the_claim_twice_and_says_so(statements):
    space, summaries, _ = statements
    assert summaries[2].totals["paid_in_excess"] == refs(space)["reversed_after_reissue"][0][1]


def test_statement_rows_of_two_files_with_the_same_reference_and_nonref_both_load(statements):
    space, _, _ = statements
    ids = space.query(
        "select provider_txn_id from payouts where source_file like 'sparkasse_%' order by 1"
    )
    assert len(ids) == 3 and len({i for (i,) in ids}) == 3
    assert all(i.startswith(GERMAN + "/00000/001 ") for (i,) in ids)


def test_a_credits_only_statement_loads_with_nothing_of_ours(statements):
    _, summaries, _ = statements
    (told,) = [r for r in summaries[0].payout_files if r["file"] == "credits_only.xml"]
    assert (told["status"], told["entries"], told["not_ours"], told["payouts_loaded"]) == (
        "loaded",
        1,
        1,
        0,
    )


def test_a_statement_seen_before_is_skipped_and_its_payouts_not_doubled(statements):
    space, summaries, _ = statements
    (copy,) = [r for r in summaries[2].payout_files if r["file"] == "credits_only_copy.xml"]
    assert copy["status"] == "skipped" and "the same bytes as credits_only.xml" in copy["message"]
    (again,) = [r for r in summaries[2].payout_files if r["file"] == "camt053_r1_again.xml"]
    assert again["status"] == "skipped" and "camt053_r1.xml" in again["message"]
    assert space.query("select count(*) from payouts where source_file like 'camt053_r1%'") == [
        (4,)
    ]


def test_a_corrected_statement_an_other_account_and_unbalanced_balances_reject_their_files(
    statements,
):
    space, _, alert = statements
    rejected = space.paths.inbox(CAMPAIGN, "payouts") / "rejected"
    names = sorted(p.name for p in rejected.iterdir() if not p.name.endswith(".reason.txt"))
    assert [n for n in names if not n.endswith(".txt")] == [
        "camt053_r1_corrected.xml",
        "other_account.sta",
        "unbalanced.xml",
    ]
    # the error alert names file, statement and both amounts
    assert "unbalanced.xml: statement S-UB" in alert
    assert "10003.00" in alert and "10004.00" in alert


def test_payout_files_csv_tells_each_statement_with_the_columns_of_the_spec(statements):
    space, _, _ = statements
    folder = space.paths.out(CAMPAIGN, "reports") / str(ROUNDS[3])
    with (folder / "payout_files.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = {r["file"]: r for r in reader}
    assert reader.fieldnames == [
        "file",
        "format",
        "statement_id",
        "account",
        "entries",
        "payouts_loaded",
        "quarantined",
        "not_ours",
        "opening_balance",
        "closing_balance",
        "balance_ok",
        "status",
        "message",
    ]
    assert rows["unbalanced.xml"]["status"] == "rejected"
    assert rows["unbalanced.xml"]["balance_ok"] == "false"
    assert "loaded before from camt053_r1.xml" in rows["camt053_r1_corrected.xml"]["message"]
    assert "[[payments.accounts]]" in rows["other_account.sta"]["message"]
    first = space.paths.out(CAMPAIGN, "reports") / str(ROUNDS[0]) / "payout_files.csv"
    with first.open(encoding="utf-8") as handle:
        told = {r["file"]: r for r in csv.DictReader(handle)}
    assert (told["camt053_r1.xml"]["entries"], told["camt053_r1.xml"]["quarantined"]) == ("7", "2")
    assert told["camt053_r1.xml"]["format"] == "camt.053.001.02"
    assert told["unknown.csv"]["format"] == "csv" and told["unknown.csv"]["entries"] == "4"


def test_money_in_other_currencies_is_told_per_currency_never_added(statements):
    _, summaries, _ = statements
    unmatched = {(u.kind, u.currency): u.net for u in summaries[0].unmatched}
    assert unmatched == {
        ("unknown_ref", "CNY"): Decimal("12.00"),
        ("unknown_ref", "EUR"): Decimal("0.00"),  # paid, then reversed: nothing moved
        ("unknown_ref", "USD"): Decimal("9.00"),
    }
    from flows.reconcile.reports import summary_rows

    rows = {r["metric"]: r for r in summary_rows(summaries[0])}
    assert rows["paid to unknown refs"]["amount"] == Decimal("12.00")
    assert rows["paid to unknown refs, USD"]["amount"] is None
    assert "USD 9.00" in rows["paid to unknown refs, USD"]["note"]


def test_an_error_line_keeps_the_brackets_of_what_it_names(workspace: Workspace):
    """A file name or config key in brackets is said as written, not taken for terminal
    markup and dropped; a statement rejected for its account is a warning beside the error."""
    from typer.testing import CliRunner

    from flows.cli.main import app

    other = sparkasse(ROUNDS[0], [("C", Decimal("1.00"), "166?20Zinsen")], account="99999999")
    drop(workspace, "other.sta", other)
    off = [entry(Decimal("3.00"), False, ROUNDS[0], "UB-1", [transaction(None)])]
    shipped = "6222020200012345678"  # the shipped campaign's payout account
    statement = camt("053", "08", "S-UB", ROUNDS[0], off, Decimal("1.00"), account=shipped)
    drop(workspace, "unbalanced_[bank].xml", statement)
    result = CliRunner().invoke(
        app, ["run", "reconcile", "-c", CAMPAIGN, "--as-of", str(ROUNDS[0])]
    )
    assert result.exit_code == 1
    assert "unbalanced_[bank].xml: statement S-UB: opening balance 10000.00" in result.output
    # what the run found is told before the error line: the statements, the warning
    assert result.output.index("Bank statements") < result.output.index("error: unbalanced")
    assert "warning: other.sta: statement 00000/001" in result.output
    folder = workspace.paths.out(CAMPAIGN, "reports") / str(ROUNDS[0])
    html = (folder / "reconciliation.en.html").read_text(encoding="utf-8")
    assert "Warning · a bank statement was rejected" in html
    assert "(other.sta: statement 00000/001" in html and "[[payments.accounts]]" in html
    # the next day, the unbalanced file rejected: a warning alone, said with its brackets
    drop(workspace, "other_again.sta", other.replace("99999999", "88888888"))
    result = CliRunner().invoke(
        app, ["run", "reconcile", "-c", CAMPAIGN, "--as-of", str(ROUNDS[1])]
    )
    assert result.exit_code == 0, result.output
    assert "not one of the payout accounts in [[payments.accounts]]" in result.output
