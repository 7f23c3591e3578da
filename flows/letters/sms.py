"""SMS length as operators bill it (SPEC §6a): one message is one segment."""

from __future__ import annotations

# GSM 03.38 default alphabet (basic set) and its extension table; an extension character
# is sent as ESC + character, so it takes two septets
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153  # septets: one message, one part of a concatenated one
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units


class SmsTooLong(Exception):
    """A rendered SMS would be sent as more than one message."""


def encoding(text: str) -> str:
    """ "GSM-7" when every character is in the GSM 03.38 alphabet, else "UCS-2"."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        return "GSM-7"
    return "UCS-2"


def units(text: str) -> int:
    """Septets (GSM-7; extension characters count two) or UTF-16 code units (UCS-2)."""
    if encoding(text) == "GSM-7":
        return sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many messages an operator sends (and bills) for `text`: 160 GSM-7 septets or 70
    UCS-2 units fit one; longer texts are split into parts of 153 or 67 (the rest of each part
    holds the concatenation header)."""
    n = units(text)
    single, part = (
        (GSM7_SINGLE, GSM7_PART) if encoding(text) == "GSM-7" else (UCS2_SINGLE, UCS2_PART)
    )
    if n <= single:
        return 1
    return -(-n // part)
