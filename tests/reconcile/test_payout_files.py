"""Payout file readers: camt.053, camt.054, MT940 and the provider's CSV, on sample files."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.reconcile.payout_files import read_payouts
from flows.shared.config import load_campaign
from flows.shared.files import FileRejected
from flows.shared.settings import SHIPPED_CONFIG_DIR

SAMPLES = Path(__file__).parent.parent / "data" / "payouts"
CONFIG = load_campaign(SHIPPED_CONFIG_DIR / "campaigns" / "RC-2026-017.toml")
COLUMNS = ["payment_ref", "provider_txn_id", "amount", "currency", "status", "value_date"]


def payouts(name: str, tmp_path: Path) -> list[tuple]:
    frame = read_payouts(SAMPLES / name, CONFIG, tmp_path).frame
    return frame.select([*COLUMNS, "return_reason", "line_no"]).collect().rows()


def test_camt053_booked_debits_reversals_and_batches(tmp_path):
    assert payouts("camt053_statement.xml", tmp_path) == [
        ("PR-0A1B2C3D4E5F6A7B", "ICBC-TX-0001", "380.00", "CNY", "paid", "2026-10-22", None, 1),
        # a batch entry: one payout per transaction, each with its own amount
        ("PR-1111111111111111", "ICBC-TX-0002", "500.00", "CNY", "paid", "2026-10-23", None, 2),
        ("PR-2222222222222222", "ICBC-TX-0003", "225.50", "CNY", "paid", "2026-10-23", None, 2),
        # entry 3 is pending (not a payout yet), entry 4 money in that returns none of ours
        ("PR-4444444444444444", "ICBC-TX-0006", "120.00", "CNY", "reversed", "2026-10-22", None, 5),
    ]


def test_camt054_returns_carry_their_reason(tmp_path):
    assert payouts("camt054_returns.xml", tmp_path) == [
        (
            "PR-0A1B2C3D4E5F6A7B",
            "ICBC-RT-0001",
            "380.00",
            "CNY",
            "returned",
            "2026-10-24",
            "AC04",
            1,
        ),
        # no amount in the transaction details: the entry's amount
        (
            "PR-2222222222222222",
            "ICBC-RT-0002",
            "225.50",
            "CNY",
            "returned",
            "2026-10-24",
            "AM04",
            2,
        ),
    ]


def test_mt940_finds_our_reference_in_the_details(tmp_path):
    # a customer reference holds 16 characters: the full one is in :86: (/EREF/)
    assert payouts("mt940_statement.sta", tmp_path) == [
        # the line numbers are the file's lines of each :61:
        ("PR-0A1B2C3D4E5F6A7B", "ICBC-MT-0001", "380.00", "CNY", "paid", "2026-10-22", None, 5),
        ("PR-1111111111111111", "ICBC-MT-0002", "500.00", "CNY", "paid", "2026-10-23", None, 7),
        # line 9 is money in without our reference: not a payout
        (
            "PR-2222222222222222",
            "ICBC-MT-0004",
            "225.50",
            "CNY",
            "returned",
            "2026-10-22",
            "AC04",
            11,
        ),
        (
            "PR-4444444444444444",
            "ICBC-MT-0005",
            "120.00",
            "CNY",
            "reversed",
            "2026-10-22",
            None,
            13,
        ),
    ]


def test_provider_csv_columns_and_statuses_are_mapped(tmp_path):
    # GB18030 with Chinese headers and status words, mapped by [[payments.providers]]
    assert payouts("lianpay_20261022.csv", tmp_path) == [
        ("PR-0A1B2C3D4E5F6A7B", "LP20261022000001", "380.00", "CNY", "paid", "2026-10-22", None, 2),
        (
            "PR-1111111111111111",
            "LP20261022000002",
            "500.00",
            "CNY",
            "failed",
            "2026/10/22",
            "账户已销户",
            3,
        ),
        (
            "PR-2222222222222222",
            "LP20261022000003",
            "225.50",
            "CNY",
            "returned",
            "2026年10月23日",
            "AC04",
            4,
        ),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.xml", "<Document><BkToCstmrStmt>", "unreadable XML"),
        ("other.xml", "<Document><pain.001/></Document>", "not a camt.053 statement or camt.054"),
        ("html.xml", "<html></html>", "not an ISO 20022 document"),
        (
            "payouts.csv",
            "payment_ref,amount\nPR-1,1.00\n",
            "required column missing: provider_txn_id",
        ),
        ("empty.sta", "", "the file is empty"),
        (
            "payouts_twice.csv",
            "payment_ref,provider_txn_id,amount,currency,status,value_date,amount\n"
            "PR-1,T-1,1.00,CNY,paid,2026-10-22,100.00\n",
            "the header names column 'amount' twice",
        ),
        (
            "lianpay_twice.csv",  # 金额 maps to amount
            "商户订单号,交易流水号,金额,币种,状态,到账日期,Amount\n"
            "PR-1,T-1,1.00,CNY,成功,2026-10-22,100.00\n",
            "the header names column 'amount' twice",
        ),
    ],
)
def test_unreadable_payout_files_are_rejected_with_the_reason(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FileRejected, match=message):
        read_payouts(path, CONFIG, tmp_path)
