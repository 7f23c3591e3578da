"""The effect report's figures (SPEC §12): the statements of sql/report/, each a table, over the
claim facts the first of them gathers, with the parameters the campaign's config gives them."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl

from flows.shared import db

if TYPE_CHECKING:
    import duckdb

    from flows.shared.config import CampaignConfig

# sheet → statement of sql/report/ (claim_facts, run first, feeds them all)
TABLES = {
    "Reach": "reach",
    "Weekly": "progress",
    "Claim days": "claim_days",
    "Speed": "speed",
    "Time to pay": "time_to_pay",
    "Handling": "handling",
    "Disputes": "disputes",
    "Outcome": "outcome",
    "By tier": "by_tier",
    "Expenses": "expenses",
    "Pro rata": "prorate",
    "Satisfaction": "satisfaction",
}
PROGRESS = "progress"
PARAMETER = re.compile(r"\$([a-z_][a-z_0-9]*)")


@dataclass(frozen=True)
class Parameters:
    """Everything the statements of sql/report/ bind, from the config and the as-of."""

    campaign: str
    as_of: date
    announced_on: date
    period: str = "week"
    units_affected: int | None = None
    affected_skus: tuple[str, ...] = ()
    affected_units: tuple[int, ...] = ()
    source_names: tuple[str, ...] = ()
    source_patterns: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    band_days: tuple[int, ...] = ()
    band_rates: tuple[str, ...] = ()
    reply_within_days: int = 10

    @classmethod
    def of(cls, config: CampaignConfig, as_of: date) -> Parameters:
        campaign = config.campaign
        per_sku = campaign.units_affected if isinstance(campaign.units_affected, dict) else {}
        schedule = config.early_response.schedule
        return cls(
            campaign=campaign.id,
            as_of=as_of,
            announced_on=campaign.announced_on,
            period=config.report.period,
            units_affected=campaign.units_affected_total,
            affected_skus=tuple(per_sku),
            affected_units=tuple(per_sku.values()),
            source_names=tuple(s.name for s in config.sources),
            source_patterns=tuple(s.pattern for s in config.sources),
            aliases=tuple(config.regions.aliases),
            regions=tuple(config.regions.aliases.values()),
            band_days=tuple(days for days, _ in schedule),
            band_rates=tuple(str(rate) for _, rate in schedule),
            reply_within_days=config.review.reply_within_days,
        )

    def bound(self, name: str, **more: Any) -> dict[str, Any]:
        """The parameters sql/<name>.sql names, lists as lists."""
        values = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        values |= more
        return {k: values[k] for k in set(PARAMETER.findall(db.sql_text(name)))}


def table(con: duckdb.DuckDBPyConnection, name: str, p: Parameters, **more: Any) -> pl.DataFrame:
    """One table of the report (claim_facts gathered first: `gather`)."""
    statement = f"report/{name}"
    return con.sql(db.sql_text(statement), params=p.bound(statement, **more) or None).pl()


def gather(con: duckdb.DuckDBPyConnection, p: Parameters) -> None:
    """claim_facts: one row per claim registered by as_of, what the tables count of it."""
    db.run(con, "report/claim_facts", **p.bound("report/claim_facts"))


def tables(con: duckdb.DuckDBPyConnection, p: Parameters) -> dict[str, pl.DataFrame]:
    """Every table of the effect report, by sheet name ('Weekly': the progress table by week)."""
    gather(con, p)
    return {
        sheet: table(con, name, p, period="week") if name == PROGRESS else table(con, name, p)
        for sheet, name in TABLES.items()
    }


def progress(con: duckdb.DuckDBPyConnection, p: Parameters) -> pl.DataFrame:
    """The progress report, one row per [report] period (claim_facts gathered first)."""
    return table(con, PROGRESS, p)
