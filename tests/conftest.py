"""Shared fixtures: an isolated RECALL_HOME per test, one Prefect harness per session."""

from __future__ import annotations

import csv
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
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
