"""Bank statements as banks write them (SPEC §7): ISO 20022 camt.053 / camt.054 and SWIFT MT940.

Every booked transaction of a statement is accounted for exactly once: a payout row (our
payment, a return, or a reversal of either), `not_ours` (it carries none of our refs), or a
quarantined row naming its entry or line and why. Each statement is told with its account,
id, counts, amounts by direction and currency, and whether its balances add up; what to do
with a statement that does not, or one seen before, is the reconcile flow's choice.
"""

from __future__ import annotations

from pathlib import Path

from flows.reconcile.camt import read_camt
from flows.reconcile.mt940 import read_mt940
from flows.reconcile.statement_rows import BankFile
from flows.shared.files import FileRejected


def read_bank_file(path: Path, workdir: Path) -> BankFile:
    """A camt.053/054 (.xml) or MT940 (.sta, .mt940, .940) file, every booked transaction
    accounted for; FileRejected when the file cannot be read as one, naming where."""
    if path.stat().st_size == 0:
        raise FileRejected("the file is empty")
    if path.suffix.lower() == ".xml":
        return read_camt(path, workdir)
    return read_mt940(path, workdir)
