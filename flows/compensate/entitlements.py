"""Entitlements (SPEC §5): the bound parameters of sql/compensate/entitlements.sql for a
campaign's rules, and that statement run over one partition's claims (flows.scale)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flows.shared import db
from flows.shared.config import CampaignConfig
from flows.shared.files import atomic_path

if TYPE_CHECKING:
    from flows.scale.part import Part


def entitlement_params(config: CampaignConfig, run_id: str) -> dict[str, Any]:
    """The bound parameters of sql/compensate/entitlements.sql for a campaign's rules."""
    c = config
    return {
        "campaign": c.campaign.id,
        "run_id": run_id,
        "tiers": [
            {
                "name": t.name,
                "harm": t.harm,
                "pct": str(t.goodwill_pct),
                "lo": str(t.goodwill_min),
                "hi": str(t.goodwill_max),
                "cap": str(t.expense_cap),
            }
            for t in c.tiers
        ],
        "schedule": [{"max_days": d, "rate": str(r)} for d, r in c.early_response.schedule],
        "announced_on": c.campaign.announced_on,
        "reimbursable": c.expenses.reimbursable,
        "excluded": c.expenses.excluded,
        "require_evidence": c.expenses.require_evidence,
        "review_harm": list(c.review.harm),
        "review_flags": c.review.flags,
        "amount_threshold": str(c.review.amount_threshold),
        "max_units": c.review.max_units_per_customer,
        "injury_holdback": str(c.review.injury_holdback),
    }


def entitlements_of_partition(part: Part) -> int:
    """One partition's entitlements, computed in a database of its own from its claims and
    written as Parquet (`entitlements` rows, for sql/scale/entitlements_merge.sql)."""
    con = db.connect(":memory:")
    try:
        db.run(con, "scale/claims_load", file=str(part.input))
        db.run(con, "compensate/entitlements", **entitlement_params(part.config, part.run_id))
        entitlements = con.table("entitlements")
        with atomic_path(part.output, mode=0o600) as tmp:
            entitlements.write_parquet(str(tmp))
        return int(entitlements.shape[0])
    finally:
        con.close()
