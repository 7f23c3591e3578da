"""Reconcile at scale: every payment instruction of a data home answered by one provider file
(the shipped `lianpay_*.csv` mapping): most paid, 2 % failed, plus 1 % duplicate payments and
1 % references that are none of ours, then `recall run reconcile` timed in its own process."""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.measure import Measured
from bench.pipeline import AS_OF, CAMPAIGN, recall
from flows.demo import dropped_a_while_ago

PAYOUTS = """
with instructed as (
    select payment_ref, amount, currency, row_number() over (order by payment_ref) as n
    from read_csv($files, all_varchar = true, union_by_name = true)
),
answers as (
    select payment_ref, 'LP-' || n as txn, amount, currency,
        case when n % 50 = 0 then '失败' else '成功' end as status
    from instructed
    union all
    select payment_ref, 'LP-D-' || n, amount, currency, '成功'
    from instructed where n % 100 = 1
    union all
    select 'PR-' || upper(lpad(printf('%x', n), 16, 'F')), 'LP-U-' || n, amount, currency, '成功'
    from instructed where n % 100 = 2
)
select payment_ref as 商户订单号, txn as 交易流水号, amount as 金额, currency as 币种,
    status as 状态, $day as 到账日期, case when status = '失败' then 'AC04' end as 失败原因
from answers
"""


def write_payouts(home: Path) -> tuple[int, int]:
    """The provider file in the home's payout inbox; (instructions, payout rows)."""
    files = sorted(str(p) for p in (home / "out" / CAMPAIGN / "instructions").glob("*.csv"))
    inbox = home / "inbox" / CAMPAIGN / "payouts"
    inbox.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        rows = con.sql(PAYOUTS, params={"files": files, "day": AS_OF})
        rows.pl(lazy=True).sink_csv(inbox / "lianpay_bench.csv")
        dropped_a_while_ago([inbox / "lianpay_bench.csv"])  # past the inbox settle delay
        (instructions,) = con.execute(
            "select count(*) from read_csv(?, all_varchar = true)", [files]
        ).fetchone() or (0,)
        (payouts,) = con.execute(
            "select count(*) from read_csv(?, all_varchar = true)",
            [str(inbox / "lianpay_bench.csv")],
        ).fetchone() or (0,)
    finally:
        con.close()
    return int(instructions), int(payouts)


def reconcile(home: Path, config: Path, prefect_home: Path) -> tuple[Measured, int, int]:
    instructions, payouts = write_payouts(home)
    run = recall(home, config, "run", "reconcile", PREFECT_HOME=str(prefect_home))
    return run, instructions, payouts
