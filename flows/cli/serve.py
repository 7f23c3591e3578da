"""Deployments of every flow for a Prefect server: each campaign's nightly run on its cron
schedule, and every flow on demand with its parameters in the Prefect UI."""

from __future__ import annotations

from typing import Any

from prefect.schedules import Cron

from flows.compensate.flow import compensate
from flows.intake.flow import intake
from flows.letters.flow import letters
from flows.nightly import nightly
from flows.reconcile.flow import reconcile
from flows.shared.config import load_campaign
from flows.shared.settings import Paths

ON_DEMAND = (nightly, intake, compensate, letters, reconcile)


def campaigns(paths: Paths) -> list[str]:
    """Every configured campaign (config/campaigns/<id>.toml)."""
    return sorted(p.stem for p in (paths.config_dir / "campaigns").glob("*.toml"))


def deployments(paths: Paths) -> list[Any]:
    """`nightly-<campaign>` per campaign on its schedule; `on-demand` for every flow."""
    found = []
    for campaign in campaigns(paths):
        schedule = load_campaign(paths.campaign_file(campaign)).schedule
        found.append(
            nightly.to_deployment(
                name=f"nightly-{campaign}",
                schedule=Cron(schedule.cron, timezone=schedule.timezone),
                parameters={"campaign": campaign},
                tags=["recall", campaign],
                description=f"Everything new in the inbox of {campaign}, end to end.",
            )
        )
    for flow in ON_DEMAND:
        found.append(
            flow.to_deployment(
                name="on-demand",
                tags=["recall"],
                description=f"Run {flow.name} for a campaign and business date of your choice.",
            )
        )
    return found
