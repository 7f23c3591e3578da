"""SPEC §3: an invalid campaign config is refused with file, key and reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows.shared.config import ConfigError, load_campaign
from flows.shared.settings import SHIPPED_CONFIG_DIR

DEMO = (SHIPPED_CONFIG_DIR / "campaigns" / "RC-2026-017.toml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "RC-2026-017.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_demo_campaign_is_valid():
    config = load_campaign(SHIPPED_CONFIG_DIR / "campaigns" / "RC-2026-017.toml")
    assert config.campaign.currency == "CNY"
    assert config.campaign.languages == ["zh-CN", "en"]
    assert str(config.campaign.reserve) == "2500000.00"


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        (
            'hotline = "400-000-0000"',
            'hotline = "400-000-0000"\ncolour = "red"',
            "campaign.colour",
            "unknown key",
        ),
        (
            'goodwill_pct = "0.15"',
            'goodwill_pct = "1.5"',
            "tiers[0].goodwill_pct",
            "between 0 and 1",
        ),
        ('goodwill_min = "50.00"', 'goodwill_min = "500.00"', "tiers[0]", "above goodwill_max"),
        (
            "claim_deadline = 2027-03-01",
            "claim_deadline = 2026-08-01",
            "campaign",
            "claim_deadline is before announced_on",
        ),
        ('currency = "CNY"', 'currency = "XYZ"', "campaign.currency", "unknown currency"),
        ('harm = "property"', 'harm = "none"', "tiers", "overlapping tiers"),
        ('policy = "prorate"', 'policy = "maybe"', "budget.policy", "'halt' or 'prorate'"),
        ('reserve = "2500000.00"', "reserve = 2500000.5", "campaign.reserve", "not the float"),
        (
            'encoding = "gb18030"',
            'encoding = "klingon"',
            "payments.providers[0].encoding",
            "unknown encoding",
        ),
        (
            '"冲正" = "reversed"',
            '"冲正" = "refunded"',
            "payments.providers[0].statuses",
            "unknown statuses: refunded",
        ),
        (
            '"商户订单号" = "payment_ref"',
            '"商户订单号" = "order_id"',
            "payments.providers[0].columns",
            "unknown columns: order_id",
        ),
    ],
)
def test_invalid_config_names_file_key_and_reason(tmp_path, old, new, key, reason):
    assert old in DEMO
    path = write(tmp_path, DEMO.replace(old, new, 1))
    with pytest.raises(ConfigError) as caught:
        load_campaign(path)
    message = str(caught.value)
    assert re.search(
        rf"^{re.escape(str(path))}: {re.escape(key)}: .*{re.escape(reason)}", message, re.M
    ), message


def test_broken_toml_names_the_file(tmp_path):
    path = write(tmp_path, DEMO.replace("[campaign]", "[campaign", 1))
    with pytest.raises(ConfigError, match=re.escape(str(path)) + ": not valid TOML"):
        load_campaign(path)


def test_missing_campaign_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_campaign(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("units", "key", "reason"),
    [
        ("0", "campaign.units_affected", "must be a positive number of units"),
        ('{ "K3-220" = -5 }', "campaign.units_affected", "must be a positive number of units"),
        ("{}", "campaign.units_affected", "give a total, or a count for at least one SKU"),
        ('{ "K9-000" = 10 }', "(file)", "K9-000 is no SKU of eligibility.skus"),
    ],
)
def test_units_affected_must_be_positive_units_of_the_campaigns_skus(tmp_path, units, key, reason):
    text = re.sub(r"^units_affected = .*$", f"units_affected = {units}", DEMO, count=1, flags=re.M)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_campaign(path)
    assert f"{path}: {key}: " in str(caught.value) and reason in str(caught.value), caught.value


def test_units_affected_is_a_total_or_per_sku_and_the_period_a_week_or_a_month(tmp_path):
    demo = load_campaign(write(tmp_path, DEMO))
    assert demo.campaign.units_affected_total == 23000
    assert demo.report.period == "week"
    total = re.sub(r"^units_affected = .*$", "units_affected = 5000", DEMO, count=1, flags=re.M)
    assert load_campaign(write(tmp_path, total)).campaign.units_affected_total == 5000
    month = load_campaign(write(tmp_path, DEMO.replace('period = "week"', 'period = "month"')))
    assert month.report.period == "month"
    with pytest.raises(ConfigError, match=r"report\.period: .*'week' or 'month'"):
        load_campaign(write(tmp_path, DEMO.replace('period = "week"', 'period = "day"')))
