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
