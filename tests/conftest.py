"""Shared fixtures: an isolated RECALL_HOME per test, one Prefect harness per session."""

from __future__ import annotations

import csv
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from flows.shared.settings import (
    SHIPPED_CONFIG_DIR,
    Paths,
    configure_environment,
    flow_run_settings,
)

# Prefect reads its settings at import: point it at a throwaway home before anything imports it.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="recall-tests-"))
os.environ.pop("PREFECT_HOME", None)  # a parallel test worker inherits its parent's
RECALL = [sys.executable, "-m", "flows.cli.main"]  # what the `recall` script runs


configure_environment(_SESSION_HOME, SHIPPED_CONFIG_DIR)

import duckdb  # noqa: E402
from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from flows.shared import db  # noqa: E402

CAMPAIGN = "RC-2026-017"
AS_OF = date(2026, 10, 15)
GOOD_ROW = {
    "source_record_id": "1",
    "customer_name": "Li Wei",
    "email": "Li.Wei@Example.CN",
    "phone": "",
    "postal_address": "",
    "sku": "K3-220",
    "serial_no": "K3A000500",
    "purchase_date": "2026-03-05",
    "purchase_price": "299.00",
    "quantity": "",
    "claim_date": "2026-09-10",
    "harm": "",
    "documented_expenses": "",
    "expense_type": "",
    "expense_evidence": "",
    "flags": "",
}
HEADER = list(GOOD_ROW)


@pytest.fixture(scope="session", autouse=True)
def prefect_harness() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=120), flow_run_settings():
        yield


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the schema applied."""
    connection = db.connect(":memory:")
    yield connection
    connection.close()


CLAIM = {
    "campaign": "C",
    "run_id": "r",
    "file_sha256": "f",
    "source_file": "a.csv",
    "line_no": 2,
    "ingest_seq": 1,
    "customer_name": "N",
    "customer_key": "k1",
    "sku": "S",
    "serial_no": None,
    "lot_code": None,
    "purchase_date": date(2026, 3, 1),
    "purchase_price": "10.00",
    "quantity": 1,
    "claim_date": date(2026, 3, 1),
    "channel": "web",
    "language": "en",
    "harm": "none",
    "documented_expenses": "0.00",
    "expense_evidence": False,
    "flags": [],
    "status": "eligible",
}


def insert(con: duckdb.DuckDBPyConnection, table: str, values: dict[str, object]) -> None:
    """One row of `values` (column → value) into `table`, for a statement test's own rows."""
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    db.execute(con, f"insert into {table} ({names}) values ({marks})", list(values.values()))


def insert_claim(con: duckdb.DuckDBPyConnection, claim_id: str, **cells: object) -> None:
    """One claim of campaign C (an eligible claim of unit price 10.00 unless `cells` say else;
    its source_record_id is its claim_id)."""
    insert(con, "claims", {"claim_id": claim_id, "source_record_id": claim_id} | CLAIM | cells)


def insert_entitlement(
    con: duckdb.DuckDBPyConnection, claim_id: str, review_reasons: str = "", **cells: object
) -> None:
    """The entitlement of a claim of campaign C: 50.00 of goodwill, unless `cells` say else."""
    insert(
        con,
        "entitlements",
        {
            "claim_id": claim_id,
            "campaign": "C",
            "run_id": "r",
            "tier": "standard",
            "goodwill_unit": "50.00",
            "goodwill": "50.00",
            "bonus_rate": "0",
            "bonus": "0.00",
            "expenses": "0.00",
            "total": "50.00",
            "holdback": "50.00",
            "expense_notes": "",
            "review_reasons": review_reasons,
        }
        | cells,
    )


def insert_offer(con: duckdb.DuckDBPyConnection, claim_id: str, version: int = 1) -> None:
    """A binding offer of 50.00 (goodwill only) to a claim of campaign C."""
    insert(
        con,
        "offers",
        {
            "claim_id": claim_id,
            "campaign": "C",
            "run_id": f"r{version}",
            "offer_version": version,
            "source": "auto",
            "tier": "standard",
            "goodwill": "50.00",
            "bonus": "0.00",
            "expenses": "0.00",
            "adjustment": "0.00",
            "total": "50.00",
            "expense_notes": "",
            "made_on": date(2026, 10, 15),
        },
    )


INSTRUCTED_ON = date(2026, 10, 1)


def insert_instruction(
    con: duckdb.DuckDBPyConnection, ref: str, made: date = INSTRUCTED_ON, **cells: object
) -> None:
    """A payment instruction of 100.00 CNY of campaign C (claim `claim-<chain or ref>`)."""
    insert(
        con,
        "payment_instructions",
        {
            "payment_ref": ref,
            "campaign": "C",
            "claim_id": f"claim-{cells.get('chain_ref') or ref}",
            "run_id": "r",
            "payee": "N",
            "contact": "n@x.cn",
            "amount": "100.00",
            "currency": "CNY",
            "instructed_on": made,
        }
        | cells,
    )


def insert_payout(
    con: duckdb.DuckDBPyConnection,
    txn: str,
    ref: str,
    amount: str = "100.00",
    status: str = "paid",
    **cells: object,
) -> None:
    """A payout of campaign C in CNY, valued 5 days after INSTRUCTED_ON unless `cells` say."""
    insert(
        con,
        "payouts",
        {
            "provider_txn_id": txn,
            "campaign": "C",
            "payment_ref": ref,
            "amount": amount,
            "currency": "CNY",
            "status": status,
            "value_date": INSTRUCTED_ON + timedelta(days=5),
            "file_sha256": "f",
            "source_file": "p.csv",
            "line_no": 2,
            "run_id": "r",
        }
        | cells,
    )


def insert_decision(
    con: duckdb.DuckDBPyConnection,
    claim_id: str,
    decision: str,
    outcome: str = "accepted",
    line: int = 2,
    amount: str | None = None,
) -> None:
    """A line of a review decisions file of campaign C, with its outcome."""
    insert(
        con,
        "review_decisions",
        {
            "campaign": "C",
            "file_sha256": "f",
            "line_no": line,
            "run_id": "r",
            "claim_id": claim_id,
            "decision": decision,
            "amount": amount,
            "reviewer": "W",
            "outcome": outcome,
        },
    )


@dataclass
class Workspace:
    paths: Paths

    @property
    def lists(self) -> Path:
        folder = self.paths.inbox(CAMPAIGN, "lists")
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def write_csv(
        self,
        name: str,
        rows: list[dict[str, str]],
        encoding: str = "utf-8",
        header: list[str] | None = None,
    ) -> Path:
        columns = header or HEADER
        target = self.lists / name
        with target.open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows([[row.get(c, "") for c in columns] for row in rows])
        return target

    def configure(self, old: str, new: str) -> None:
        """Edit the campaign config: replace the first occurrence of old (which must exist)."""
        path = self.paths.campaign_file(CAMPAIGN)
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def compensate(self, as_of: date = AS_OF, **kwargs):  # type: ignore[no-untyped-def]
        from flows.compensate.flow import compensate

        return compensate(CAMPAIGN, as_of, **kwargs)

    def intake(self, as_of: date = AS_OF):  # type: ignore[no-untyped-def]
        from flows.intake.flow import intake

        return intake(CAMPAIGN, as_of)

    def query(self, statement: str, params: list[object] | None = None) -> list[tuple]:
        connection = duckdb.connect(str(self.paths.database), read_only=True)
        try:
            return connection.execute(statement, params).fetchall()
        finally:
            connection.close()

    def claims(self) -> dict[str, tuple[str, str, str | None]]:
        """source_record_id -> (status, reasons, duplicate_of) for claims and quarantine."""
        rows = self.query(
            "select source_record_id, status, reasons, duplicate_of from claims "
            "union all select source_record_id, 'quarantined', reasons, null from quarantine"
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


def make_workspace(base: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    config_dir = base / "config"
    shutil.copytree(SHIPPED_CONFIG_DIR, config_dir)
    monkeypatch.setenv("RECALL_HOME", str(base / "home"))
    monkeypatch.setenv("RECALL_CONFIG_DIR", str(config_dir))
    # tests write inbox files and run at once: no settle delay (tests/shared/test_inbox.py sets one)
    monkeypatch.setenv("RECALL_INBOX_SETTLE_SECONDS", "0")
    return Workspace(Paths.from_env())


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """A fresh RECALL_HOME and config dir holding the demo campaign's config."""
    return make_workspace(tmp_path, monkeypatch)


def row(**changes: str) -> dict[str, str]:
    """GOOD_ROW with some cells changed."""
    return {**GOOD_ROW, **changes}
