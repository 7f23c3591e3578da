"""SMS (SPEC §6a): one message with the reference, the total or the state, and the hotline or
link; its length counted as operators count it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from flows.letters.batches import write_batch
from flows.letters.render import KINDS
from flows.letters.runners import batch_template
from flows.letters.sms import SmsTooLong, segments, units
from flows.shared.config import ConfigError, load_campaign

DEMO = Path(__file__).resolve().parents[2] / "config" / "campaigns" / "RC-2026-017.toml"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 1),
        ("a" * 160, 1),  # GSM-7: 160 septets fit one message
        ("a" * 161, 2),  # then parts of 153
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters take two septets each
        ("€" * 81, 2),
        ("a" * 159 + "[", 2),
        ("¥£@é" * 40, 1),  # in the basic set
        ("中" * 70, 1),  # any other character: UCS-2, 70 per message
        ("中" * 71, 2),  # then parts of 67
        ("中" * 134, 2),
        ("中" * 135, 3),
        ("a" * 69 + "—", 1),  # one em dash turns an English text into UCS-2
        ("a" * 70 + "—", 2),
    ],
)
def test_segments_are_counted_as_operators_count_them(text, expected):
    assert segments(text) == expected


def test_a_character_outside_the_basic_multilingual_plane_takes_two_ucs2_units():
    assert units("😀") == 2
    assert segments("中" * 69 + "😀") == 2


def longest_row(config, language: str, kind: str, number: int) -> dict[str, object]:
    """A letter with the demo campaign's longest realistic values: a claim id of the longest
    form intake makes (12 hex + '-' + 7 digits), the largest total a reviewer may set."""
    total = config.review.max_override
    return {
        "letter_id": f"L-{number}",
        "claim_id": "0123456789ab-9999999",
        "kind": kind,
        "offer_version": 1,
        "language": language,
        "contact": "+8613800000000",
        "customer_name": "欧阳娜娜娜娜娜娜 Alexandra-Katharina Montgomery-Smythe",
        "postal_address": None,
        "sku": "K3-220",
        "serial_no": "K3A099999",
        "lot_code": None,
        "purchase_date": date(2026, 3, 5),
        "claim_date": date(2026, 9, 10),
        "goodwill": Decimal("3000.00"),
        "bonus": Decimal("600.00"),
        "bonus_rate": Decimal("0.20"),
        "expenses": Decimal("5000.00"),
        "adjustment": total - Decimal("8600.00"),
        "total": total,
        "prorate_factor": "0.958522",
        "expense_notes": "expense_capped",
        "documented_expenses": Decimal("9000.00"),
        "expense_type": "repair",
        "reasons": "not_affected_sku;serial_out_of_range;purchase_outside_window",
        "cure_by": date(2026, 12, 10),  # the longest date in Chinese
        "dispute_kind": "appeal",
        "dispute_decision": "reject",
        "offer_source": "dispute",
    }


@pytest.mark.parametrize("sms_link", [False, True])
@pytest.mark.parametrize(
    "reply_by",
    [date(2026, 9, 30), date(2026, 12, 10)],  # the longest date in English, in Chinese
)
def test_every_sms_is_one_message_with_the_demo_campaigns_longest_values(
    tmp_path, sms_link, reply_by
):
    config = load_campaign(DEMO)
    # offers to accept by a date (the longer offer SMS), the date as long as the reply-by
    payments = config.payments.model_copy(
        update={"require_acceptance": True, "accept_within_days": config.review.reply_within_days}
    )
    config = config.model_copy(update={"payments": payments})
    if sms_link:  # the longest link the configuration accepts
        letters = config.letters.model_copy(update={"sms_link": "https://k3.example.cn/r1"})
        config = config.model_copy(update={"letters": letters})
    letter_date = reply_by - timedelta(days=config.review.reply_within_days)
    template = batch_template(config, tmp_path, letter_date, {})
    rows = [
        longest_row(config, language, kind, n)
        for n, (language, kind) in enumerate(
            (lang, kind) for lang in config.campaign.languages for kind in KINDS
        )
    ]
    write_batch(replace(template, number=1, channel="sms", letters=rows))
    lines = (tmp_path / "sms" / "batch-00001.jsonl").read_text(encoding="utf-8").splitlines()
    messages = [json.loads(line) for line in lines]
    assert len(messages) == len(rows) == 2 * len(KINDS)
    for message in messages:
        text = message["text"]
        where = f"{message['language']} {message['kind']}: {text!r}"
        assert segments(text) == 1, f"{segments(text)} messages, {units(text)} units; {where}"
        assert "0123456789ab-9999999" in text, where  # the reference
        assert ("https://k3.example.cn/r1" if sms_link else "400-000-0000") in text, where
        assert "Alexandra" not in text and "欧阳" not in text, where  # no name: phones are shared
        if message["kind"] in ("offer", "supplementary_offer", "acceptance_reminder"):
            assert "50,000.00" in text, where  # the total


def test_an_sms_longer_than_one_message_is_refused_naming_its_template(tmp_path):
    config = load_campaign(DEMO)
    campaign = config.campaign.model_copy(
        update={"hotline": "400-000-0000 转 8 (工作日 9:00-18:00)"}
    )
    config = config.model_copy(update={"campaign": campaign})
    template = batch_template(config, tmp_path, date(2026, 11, 30), {})
    row = longest_row(config, "zh-CN", "offer", 1)
    with pytest.raises(SmsTooLong, match=r"zh-CN/offer\.sms\.j2: the SMS of letter L-1 takes 2"):
        write_batch(replace(template, number=1, channel="sms", letters=[row]))
    assert not (tmp_path / "sms" / "batch-00001.jsonl").exists()  # nothing written


@pytest.mark.parametrize(
    "link", ["https://k3.example.cn/r12", "k3.example.cn/r1", "https://k3.example.cn/€"]
)
def test_an_sms_link_too_long_or_not_a_plain_url_is_a_config_error(tmp_path, link):
    text = DEMO.read_text(encoding="utf-8").replace(
        "[letters]\n", f'[letters]\nsms_link = "{link}"\n', 1
    )
    path = tmp_path / "RC-2026-017.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"letters\.sms_link"):
        load_campaign(path)


def test_an_sms_too_long_ends_the_command_in_its_own_line_not_as_an_unexpected_error():
    from flows.cli.failures import failure

    assert failure(SmsTooLong("letters/zh-CN/offer.sms.j2: takes 2 messages")) == (
        "letters/zh-CN/offer.sms.j2: takes 2 messages",
        1,
    )
