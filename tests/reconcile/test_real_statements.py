"""Real bank statements (SPEC §7), gathered from public parser test suites (sources and
licences in tests/data/payouts/real/README.md): every booked transaction is accounted for
once, amounts by direction and currency, and each statement's balance outcome.

What the reader should find is computed here independently of it — a small XML walk for
camt, a small regex over the text for MT940 — and also written down as a table checked by
reading each file, so that a regression of the reader and one of the walk both show.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from flows.reconcile.bank_files import read_bank_file

REAL = Path(__file__).parent.parent / "data" / "payouts" / "real"

# file -> (booked transactions, of them quarantined, balance outcome per statement), read off
# each file by hand. None is quarantined: no line is garbled, and a batch whose TxDtls do not
# add up to the entry (`batch_mismatch`) is quarantined only when it carries one of our refs
# (none of these does: such a batch is not ours, whatever its amounts). One TxDtls is not a
# batch: the entry's amount stands. "≠": opening + credits - debits is not the closing.
EXPECTED: dict[str, tuple[int, int, tuple[bool | None, ...]]] = {
    # ABN AMRO (NL): 3 entries, one a DBIT batch reversal (RvslInd) of 564.05 + 100.00 whose
    # TxDtls carry only AmtDtls/TxAmt; 15568.27 - 754.25 - 664.05 + 1405.31 ≠ 15121.12
    "camt053_v02_abn_amro.xml": (4, 0, (False,)),
    # Deutsche Bank (BE), anonymised: AmtDtls/TxAmt only; 0 - 789903.41 - 0.99 + 789904.4 = 0
    "camt053_v02_deutsche_bank_be.xml": (3, 0, (True,)),
    # Handelsbanken: three statements (SEK, SEK, NOK with a debit balance), TxDtls without
    # amounts (one per entry: the entry's amount)
    "camt053_v02_handelsbanken_se_no.xml": (5, 0, (True, True, True)),
    # Handelsbanken UK: a 1.60 debit whose one TxDtls says TxAmt ".6" (the entry's amount
    # stands); 6.87 - 1.60 + 1.50 = 6.77
    "camt053_v02_handelsbanken_uk.xml": (2, 0, (True,)),
    # PostFinance-style batch: two BVR credits with their own TxDtls/Amt (2187 + 1296 = 3483)
    "camt053_v04_swiss_batch.xml": (2, 0, (True,)),
    # Bank of Lithuania, anonymised: no entry carries <Sts> — in a statement (camt.053) an
    # entry is booked — and no balance a CdtDbtInd; the 14 entries take 24045029.5 to
    # 20888586.83 exactly; the second statement has no entries and equal balances
    "camt053_v08_bank_of_lithuania.xml": (14, 0, (True, True)),
    # genkgo: Sts/Cd BOOK; an 8.85 EUR credit whose one TxDtls says SEK 0; opening 18.15 EUR,
    # closing 27.00 SEK DBIT ≠
    "camt053_v08_genkgo.xml": (1, 0, (False,)),
    # camt.054 notifications carry no balances.
    # genkgo: a 200000 SEK debit over three TxDtls with no amount at all (not ours)
    "camt054_v02_genkgo.xml": (3, 0, (None,)),
    "camt054_v04_abn_amro.xml": (1, 0, (None,)),
    # genkgo: a 200000 SEK DBIT entry over three CRDT TxDtls of CHF 3.1 + 3.2 + 3.2 (not ours)
    "camt054_v08_genkgo.xml": (3, 0, (None,)),
    # ABN AMRO: two statements (:60M:/:62M:), NONREF, amounts "107," and "11,8";
    # 3236.28 - 321.44 ≠ 876.84 and 2876.84 - 24.49 ≠ 1849.75
    "mt940_abn_amro.sta": (10, 0, (False, False)),
    # ASN: 31 statements in SWIFT blocks {1:}{4:...-}, every one with :20:0000000000;
    # customer references of 18 characters (an IBAN: "NOVBNL47INGB9999999999")
    "mt940_asn.sta": (8, 0, (True,) * 31),
    # German SEPA layout: ?20 EREF+ / SVWZ+ / KREF+, RETOURE, funds code R after the mark
    # ("CR", "DR"), an amount "15000,"; the second statement: -1970431.87 + 1070651.81
    # - 3572569.11 ≠ -4472049.09
    "mt940_german_sepa_eref.sta": (11, 0, (True, False)),
    # ING (NL): NONREF, :86: over several lines; 0.00 - 50.27 + 4.68 ≠ 3.47
    "mt940_ing_nl.sta": (7, 0, (False,)),
    # Knab: an amount without its decimal comma ("C500NTRF"); 3058.98 - 7260 + 500 ≠ 798.98
    "mt940_knab.sta": (3, 0, (True, False)),
    # mBank: SOH/ETX framing, funds code N after the mark
    "mt940_mbank.sta": (3, 0, (True,)),
    # PostFinance: CHF, NONREF, a supplementary line under :61:; 229.2 - 79.9 + 10.1 ≠ 159.6
    "mt940_postfinance.sta": (4, 0, (True, False)),
    # Rabobank (old layout): a ":940:" header line; four statements, one without
    # transactions;
    # 473.17 - 1213.28 ≠ 395.82 and 1295.82 - 281.51 ≠ 1250.87
    "mt940_rabobank.sta": (5, 0, (False, True, False, True)),
    # Rabobank (IBAN layout): a ":940:" header line, /EREF/ in :86:, :61: spanning two
    # lines, the same :20: twice
    "mt940_rabobank_iban.sta": (4, 0, (True, True)),
    # Sberbank (HU): CRLF, HUF, :NS: tags, funds code F after the mark
    "mt940_sberbank_hu.sta": (3, 0, (True,)),
    # SNS: :61: spanning two lines, :86: padded with blank lines, the same :20: twice
    "mt940_sns.sta": (2, 0, (True, True)),
    # Triodos: ">20" subfields in :86:; 4975.09 - 715.70 ≠ 4370.79
    "mt940_triodos.sta": (2, 0, (False,)),
}

FILES = sorted(EXPECTED)


@dataclass
class Walked:
    """What one statement holds, found without the reader."""

    entries: int = 0
    debits: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    credits: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    opening: Decimal | None = None
    closing: Decimal | None = None

    @property
    def balance_ok(self) -> bool | None:
        if self.opening is None or self.closing is None:
            return None
        moved = sum(self.credits.values(), Decimal(0)) - sum(self.debits.values(), Decimal(0))
        return self.opening + moved == self.closing


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(node: ET.Element, *path: str) -> ET.Element | None:
    for name in path:
        found = next((c for c in node if _local(c.tag) == name), None)
        if found is None:
            return None
        node = found
    return node


def _text(node: ET.Element, *path: str) -> str | None:
    found = _child(node, *path)
    return None if found is None or found.text is None else found.text.strip()


def camt_walk(path: Path) -> list[Walked]:
    """Each camt Stmt/Ntfctn: booked entries (Sts or Sts/Cd BOOK; in a Stmt, also an entry
    without Sts), one per TxDtls (one when none), Ntry/Amt by CdtDbtInd and Ccy, balances OPBD
    (else PRCD) and CLBD, signed."""
    walked = []
    root = ET.parse(path).getroot()
    for statement in root.iter():
        if _local(statement.tag) not in ("Stmt", "Ntfctn"):
            continue
        one = Walked()
        balances = {}
        for node in statement:
            if _local(node.tag) == "Bal":
                code = _text(node, "Tp", "CdOrPrtry", "Cd")
                amount = Decimal(_text(node, "Amt") or "")
                sign = -1 if _text(node, "CdtDbtInd") == "DBIT" else 1
                balances.setdefault(code, sign * amount)
            elif _local(node.tag) == "Ntry":
                status = _text(node, "Sts", "Cd") or _text(node, "Sts")
                if _local(statement.tag) == "Stmt" and _child(node, "Sts") is None:
                    status = "BOOK"
                if status != "BOOK":
                    continue
                details = [
                    tx
                    for part in node
                    if _local(part.tag) == "NtryDtls"
                    for tx in part
                    if _local(tx.tag) == "TxDtls"
                ]
                one.entries += max(len(details), 1)
                amount_node = _child(node, "Amt")
                assert amount_node is not None and amount_node.text
                side = one.debits if _text(node, "CdtDbtInd") == "DBIT" else one.credits
                side[amount_node.attrib["Ccy"]] += Decimal(amount_node.text.strip())
        one.opening = balances.get("OPBD", balances.get("PRCD"))
        one.closing = balances.get("CLBD")
        walked.append(one)
    return walked


MT940_BALANCE = re.compile(r"^:6([02])[FM]:([CD])\d{6}([A-Z]{3})(\d+,\d*)", re.M)
# date, optional entry date, mark (RC/RD before C/D), optional funds code, amount
MT940_LINE = re.compile(r"^:61:\d{6}(?:\d{4})?(RC|RD|C|D)[A-Z]?(\d+(?:,\d*)?)")


def mt940_walk(path: Path) -> list[Walked]:
    """Each MT940 statement (from one :20: to the next): its :61: lines, D/RC debit and C/RD
    credit in the currency of :60F:/:60M:, opening :60F:/:60M:, closing :62F:/:62M:."""
    text = path.read_bytes().decode("latin-1").replace("\r\n", "\n")
    walked = []
    for block in re.split(r"^(?=:20:)", text, flags=re.M)[1:]:
        one = Walked()
        currency = None
        for kind, mark, ccy, amount in MT940_BALANCE.findall(block):
            value = Decimal(amount.replace(",", ".")) * (-1 if mark == "D" else 1)
            if kind == "0":
                one.opening, currency = value, ccy
            else:
                one.closing = value
        assert currency, f"{path.name}: a statement without :60F:/:60M:"
        lines = [line for line in block.split("\n") if line.startswith(":61:")]
        for line in lines:
            found = MT940_LINE.match(line)
            assert found, f"{path.name}: the walk does not read {line!r}"
            mark, amount = found.groups()
            side = one.debits if mark in ("D", "RC") else one.credits
            side[currency] += Decimal(amount.replace(",", "."))
        one.entries = len(lines)
        walked.append(one)
    return walked


def walk(name: str) -> list[Walked]:
    path = REAL / name
    return camt_walk(path) if path.suffix == ".xml" else mt940_walk(path)


def totals(sides: list[dict[str, Decimal]]) -> dict[str, Decimal]:
    summed: dict[str, Decimal] = defaultdict(Decimal)
    for side in sides:
        for currency, amount in side.items():
            summed[currency] += amount
    return {c: a for c, a in summed.items() if a}


def test_the_corpus_is_every_file_of_the_folder_and_each_is_described():
    on_disk = sorted(p.name for p in REAL.iterdir() if p.name != "README.md")
    readme = (REAL / "README.md").read_text(encoding="utf-8")
    assert on_disk == FILES
    assert [name for name in FILES if f"`{name}`" not in readme] == []


@pytest.mark.parametrize("name", FILES)
def test_the_walk_agrees_with_what_was_read_off_each_file(name):
    entries, _, balances = EXPECTED[name]
    walked = walk(name)
    assert (sum(s.entries for s in walked), tuple(s.balance_ok for s in walked)) == (
        entries,
        balances,
    )


@pytest.mark.parametrize("name", FILES)
def test_every_booked_transaction_of_a_real_statement_is_accounted_for_once(name, tmp_path):
    entries, quarantined, _ = EXPECTED[name]
    statements = read_bank_file(REAL / name, tmp_path).statements
    read = {
        "entries": sum(s.entries for s in statements),
        "payouts": sum(s.payouts for s in statements),
        "not_ours": sum(s.not_ours for s in statements),
        "quarantined": sum(s.quarantined for s in statements),
    }
    # none of these files carries one of our refs: whatever is not quarantined is not ours
    assert read == {
        "entries": sum(s.entries for s in walk(name)),
        "payouts": 0,
        "not_ours": entries - quarantined,
        "quarantined": quarantined,
    }


@pytest.mark.parametrize("name", FILES)
def test_real_statement_amounts_by_direction_and_currency(name, tmp_path):
    statements = read_bank_file(REAL / name, tmp_path).statements
    walked = walk(name)
    assert totals([s.debits for s in statements]) == totals([s.debits for s in walked])
    assert totals([s.credits for s in statements]) == totals([s.credits for s in walked])


@pytest.mark.parametrize("name", FILES)
def test_real_statement_balance_outcome(name, tmp_path):
    statements = read_bank_file(REAL / name, tmp_path).statements
    assert [s.balance_ok for s in statements] == [s.balance_ok for s in walk(name)]
    assert tuple(s.balance_ok for s in statements) == EXPECTED[name][2]
