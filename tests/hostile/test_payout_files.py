"""A provider file with a repeated transaction id and a negative amount, and a later file that
repeats a loaded transaction with another amount: the bad lines are quarantined with their
reason, the good ones reconcile, and no payout counts twice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flows.reconcile.flow import reconcile
from tests.conftest import AS_OF, CAMPAIGN, make_workspace, row
from tests.reconcile.test_reconcile import instructions, payout_classes, write_payouts

DAY = "2026-10-22"


@pytest.fixture(scope="module")
def reconciled(tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as patch:
        space = make_workspace(tmp_path_factory.mktemp("payouts"), patch)
        claims = [
            row(source_record_id=rid, serial_no=f"K3A{7000 + n:06d}") for n, rid in enumerate("ABC")
        ]
        space.write_csv("a.csv", claims)
        space.intake()
        space.compensate()
        refs = instructions(space)

        def line(rid: str, txn: str, amount: str | None = None) -> list[str]:
            ref, owed = refs[rid]
            return [ref, txn, amount or str(owed), "CNY", "paid", DAY, ""]

        write_payouts(
            space,
            "payouts_1.csv",
            [
                line("A", "T-A"),
                line("A", "T-A"),  # the same transaction twice in one file
                line("B", "T-B", "-" + str(refs["B"][1])),  # a negative amount
                line("C", "T-C"),
            ],
        )
        write_payouts(space, "payouts_2.csv", [line("C", "T-C", "1.00"), line("B", "T-B2")])
        reconcile(CAMPAIGN, AS_OF.replace(day=23))
        yield space, refs


def test_bad_lines_are_quarantined_with_their_reason(reconciled):
    space, _ = reconciled
    found = space.query(
        "select source_file, line_no, reasons from payout_quarantine "
        "where source_file like 'payouts%' order by 1, 2"
    )
    assert found == [
        ("payouts_1.csv", 3, "bad_value:provider_txn_id"),
        ("payouts_1.csv", 4, "bad_amount"),
    ]


def test_good_lines_load_once_and_reconcile(reconciled):
    space, refs = reconciled
    loaded = space.query("select provider_txn_id, amount from payouts order by 1")
    # T-C's second appearance (another amount, another file) is not a second payout
    assert loaded == [("T-A", refs["A"][1]), ("T-B2", refs["B"][1]), ("T-C", refs["C"][1])]
    assert payout_classes(space) == {"T-A": "matched", "T-B2": "matched", "T-C": "matched"}
    paid = space.query("select sum(amount) from payouts")[0][0]
    assert paid == sum((amount for _, amount in refs.values()), Decimal(0))
