"""Money is Decimal with two places, end to end; never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999999999.99")  # DECIMAL(18,2)
_PLAIN = re.compile(r"-?\d+(\.\d{1,2})?")


def parse_money(value: object) -> Decimal:
    """Strictly parse a money amount given as text, int or Decimal (floats are refused)."""
    if isinstance(value, float | bool):
        raise ValueError(f"write money as a quoted decimal string, not the float {value!r}")
    text = format(value, "f") if isinstance(value, Decimal) else str(value).strip()
    if _PLAIN.fullmatch(text) is None:
        raise ValueError(f"{value!r} is not an amount with at most two decimals")
    amount = Decimal(text)
    if abs(amount) > MAX_MONEY:
        raise ValueError(f"{value!r} is larger than DECIMAL(18,2) allows")
    return amount.quantize(CENT)


def round_half_up(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
