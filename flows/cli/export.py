"""Machine-readable exports for coordinators, auditors and tests (SPEC §4)."""

from __future__ import annotations

from pathlib import Path

from flows.shared import db
from flows.shared.io import atomic_path
from flows.shared.runs import database
from flows.shared.settings import Paths


def export_claims(paths: Paths, campaign: str, out: Path) -> int:
    """Write one CSV row per input row of the campaign; returns the number of rows."""
    with database(paths, "export", campaign) as con:
        frame = con.sql(db.sql_text("cli/claims_export"), params={"campaign": campaign}).pl()
    with atomic_path(out) as tmp:
        frame.write_csv(tmp)
    return frame.height
