"""Bank statements the property test (test_statement_properties.py) found read wrong,
each written out as the smallest example."""

from __future__ import annotations

from flows.reconcile.payout_files import read_payouts
from flows.shared.config import load_campaign
from flows.shared.settings import SHIPPED_CONFIG_DIR

CONFIG = load_campaign(SHIPPED_CONFIG_DIR / "campaigns" / "RC-2026-017.toml")


def test_an_mt940_statement_of_zero_balances_without_movements_is_read_not_rejected(tmp_path):
    # a day without movements on an account that stands at zero: it has balances (C0,00)
    path = tmp_path / "quiet-day.sta"
    path.write_text(
        ":20:STMT20261015\r\n:25:CN6222020200012345678\r\n:28C:00001/001\r\n"
        ":60F:C261015CNY0,00\r\n:62F:C261025CNY0,00\r\n-\r\n",
        encoding="latin-1",
    )
    (statement,) = read_payouts(path, CONFIG, tmp_path).statements
    assert (statement.entries, statement.opening, statement.closing) == (0, 0, 0)
    assert statement.balance_ok is True
