"""Bank statements read as SPEC §7 says, on hand-made files with our own payment references
(tests/data/payouts/made/): every booked transaction accounted for once, batches per
transaction, reversals both ways, our ref in every layout, ids that never collide."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from flows.reconcile.bank_files import read_bank_file
from flows.shared.files import FileRejected

MADE = Path(__file__).parent.parent / "data" / "payouts" / "made"
COLUMNS = ["payment_ref", "provider_txn_id", "amount", "status", "return_reason", "line_no"]


def read(name: str, tmp_path: Path) -> tuple[list, list[tuple]]:
    found = read_bank_file(MADE / name, tmp_path)
    rows = found.frame.select([*COLUMNS, "detail_no", "problem"]).collect().rows()
    return list(found.statements), rows


def test_a_batch_pays_each_transaction_its_own_amount_from_amtdtls(tmp_path):
    _, rows = read("camt053_v02_batch.xml", tmp_path)
    paid = [(r[0], r[2], r[3]) for r in rows if r[7] is None]
    assert paid == [
        ("PR-AAAAAAAAAAAAAAA1", "105.43", "paid"),
        ("PR-AAAAAAAAAAAAAAA2", "52.71", "paid"),
    ]


def test_a_batch_whose_details_do_not_add_up_is_quarantined_whole(tmp_path):
    _, rows = read("camt053_v02_batch.xml", tmp_path)
    quarantined = [(r[0], r[5], r[6], r[7]) for r in rows if r[7] is not None]
    assert quarantined == [
        ("PR-AAAAAAAAAAAAAAA3", 2, 1, "batch_mismatch"),
        ("PR-AAAAAAAAAAAAAAA4", 2, 2, "batch_mismatch"),
    ]


def test_every_booked_transaction_of_a_made_statement_is_accounted_for_once(tmp_path):
    counts = {}
    for path in sorted(MADE.glob("*.*")):
        if path.suffix in (".xml", ".sta"):
            (tmp_path / path.stem).mkdir()
            statements = read_bank_file(path, tmp_path / path.stem).statements
            counts[path.name] = [
                (s.entries, s.payouts, s.not_ours, s.quarantined, s.balance_ok) for s in statements
            ]
    assert counts == {
        # 2 + 2 transactions of two batches, a credit not ours; the pending entry is not booked
        "camt053_v02_batch.xml": [(5, 2, 1, 2, True)],
        "camt054_v04_return_reversed.xml": [(2, 2, 0, 0, None)],  # a notification: no balances
        # the two unreadable lines are quarantined, so the balances cannot add up
        "mt940_garbled.sta": [(4, 2, 0, 2, False)],
        "mt940_sparkasse_eref.sta": [(3, 2, 1, 0, True)],
    }


def test_a_reversed_return_pays_again_and_a_return_gives_back(tmp_path):
    _, rows = read("camt054_v04_return_reversed.xml", tmp_path)
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        ("PR-BBBBBBBBBBBBBBB1", "MADE-RT-1", "returned", "AC04"),
        ("PR-BBBBBBBBBBBBBBB1", "MADE-RV-1", "return_reversed", None),
    ]


def test_mt940_rc_is_a_return_reversed_and_garbled_lines_are_quarantined_with_their_line(
    tmp_path,
):
    (statement,), rows = read("mt940_garbled.sta", tmp_path)
    assert [(r[0], r[3], r[5], (r[7] or "")[:15]) for r in rows] == [
        ("PR-DDDDDDDDDDDDDDD1", "paid", 5, ""),
        (None, None, 7, "unreadable_line"),
        (None, None, 9, "unreadable_line"),
        ("PR-DDDDDDDDDDDDDDD3", "return_reversed", 10, ""),
    ]
    assert statement.debits == {"CNY": Decimal("200.00")}  # D 100 and RC 100: money out
    raw = read_bank_file(MADE / "mt940_garbled.sta", tmp_path).frame.select("line_no", "raw")
    kept = dict(raw.collect().rows())
    assert ":6l:2610231023D50,00" in kept[9] and "26102X1023D200,00" in kept[7]


def test_german_eref_subfields_carry_our_ref_and_the_return_code(tmp_path):
    (statement,), rows = read("mt940_sparkasse_eref.sta", tmp_path)
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("PR-CCCCCCCCCCCCCCC1", "380.00", "paid", None),
        ("PR-CCCCCCCCCCCCCCC2", "380.00", "returned", "AC04"),
    ]
    # NONREF is no reference: the rows are known by account, statement and position
    assert [r[1] for r in rows] == [None, None]
    assert statement.statement_id == "00000/001 2026-10-21"


def test_a_credits_only_statement_is_read_with_nothing_of_ours(tmp_path):
    path = tmp_path / "credits.sta"
    path.write_text(
        ":20:STARTUMSE\n:25:37040044/0532013000\n:28C:00000/001\n:60F:C261021EUR10,00\n"
        ":61:2610221022C5,00NMSCNONREF\n:86:166?00GUTSCHRIFT?20Zinsen\n:62F:C261022EUR15,00\n-\n"
    )
    (statement,) = read_bank_file(path, tmp_path).statements
    assert (statement.entries, statement.not_ours, statement.balance_ok) == (1, 1, True)


def test_an_unreadable_mt940_names_what_is_missing_not_a_python_object(tmp_path):
    path = tmp_path / "nothing.sta"
    path.write_text("this is not a statement\nnor this\n")
    with pytest.raises(FileRejected) as caught:
        read_bank_file(path, tmp_path)
    assert "object at 0x" not in str(caught.value)
    assert "no MT940 statement" in str(caught.value)


@pytest.mark.parametrize("entity", ["<!DOCTYPE d [<!ENTITY x 'y'>]>", ""])
def test_camt_with_a_dtd_is_rejected_without_expanding_it(tmp_path, entity):
    path = tmp_path / "dtd.xml"
    text = (MADE / "camt054_v04_return_reversed.xml").read_text()
    path.write_text(text.replace('<?xml version="1.0" encoding="UTF-8"?>', entity + "\n", 1))
    if entity:
        with pytest.raises(FileRejected, match="unreadable XML"):
            read_bank_file(path, tmp_path)
    else:
        assert read_bank_file(path, tmp_path).statements[0].entries == 2


@pytest.mark.parametrize(
    ("account", "ours"),
    [
        ("6222020200012345678", True),
        ("ICBKCNBJ/6222020200012345678", True),  # MT940: the bank's code first
        ("NL69INGB0123456789EUR", False),
        ("6222 0202 0001 2345 678", True),  # spaces aside
        ("ICBKCNBJ/62220202000123456789", False),  # one digit more: another account
        ("CN0062220202000123456789", False),  # an IBAN holding the number: another account
        ("6222020200012345678CNY", True),  # the currency after it, as ING writes :25:
        (None, False),
    ],
)
def test_a_payout_account_matches_its_own_number_only(account, ours):
    from flows.shared.config_operations import PayoutAccount

    assert PayoutAccount(id="6222020200012345678").matches(account) is ours


def test_a_statement_says_where_its_unreadable_lines_are(tmp_path):
    from flows.reconcile.statements import balance_message

    (statement,) = read_bank_file(MADE / "mt940_garbled.sta", tmp_path).statements
    assert statement.unread == ("line 7", "line 9")
    assert balance_message(statement).endswith("(CNY); cannot read line 7, line 9")
    (batch,) = read_bank_file(MADE / "camt053_v02_batch.xml", tmp_path).statements
    assert batch.unread == ("entry 2",)


def test_a_camt_declaring_an_unknown_encoding_is_rejected_in_one_line(tmp_path):
    path = tmp_path / "encoding.xml"
    text = (MADE / "camt054_v04_return_reversed.xml").read_text()
    path.write_text(text.replace('encoding="UTF-8"', 'encoding="TF-8"', 1))
    with pytest.raises(FileRejected, match="unreadable XML: unknown encoding: TF-8"):
        read_bank_file(path, tmp_path)
