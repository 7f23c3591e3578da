"""`[letters.sender]`: the letterhead of post letters, validated before any data is touched."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows.shared.config import ConfigError, load_campaign
from flows.shared.settings import SHIPPED_CONFIG_DIR

DEMO = (SHIPPED_CONFIG_DIR / "campaigns" / "RC-2026-017.toml").read_text(encoding="utf-8")
SENDER = """[letters.sender]
company = "Example Appliances Ltd."
address = ["1 Harbour Road", "Shanghai 200000"]
hotline = "400-000-0000"
"""
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def campaign(tmp_path: Path, sender: str) -> Path:
    text = re.sub(r"\[letters\.sender\].*\n(?:[^\[\n].*\n)*", "", DEMO)  # the shipped one out
    path = tmp_path / "RC-2026-017.toml"
    path.write_text(text.replace("[letters.texts.", sender + "\n[letters.texts.", 1), "utf-8")
    return path


def refused(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_campaign(path)
    return str(caught.value)


def test_the_shipped_campaign_has_a_sender():
    config = load_campaign(SHIPPED_CONFIG_DIR / "campaigns" / "RC-2026-017.toml")
    assert config.letters.sender is not None and config.letters.sender.company


def test_sender_is_optional(tmp_path):
    assert load_campaign(campaign(tmp_path, "")).letters.sender is None


def test_sender_with_an_unknown_key_is_refused_naming_the_key(tmp_path):
    message = refused(campaign(tmp_path, SENDER + 'colour = "blue"\n'))
    assert f"{tmp_path / 'RC-2026-017.toml'}: letters.sender.colour: unknown key" in message


def test_logo_is_found_next_to_the_campaign_file(tmp_path):
    (tmp_path / "logo.png").write_bytes(PNG)
    config = load_campaign(campaign(tmp_path, SENDER + 'logo = "logo.png"\n'))
    assert config.letters.sender is not None
    assert config.letters.sender.logo == tmp_path / "logo.png"


def test_missing_logo_is_refused_naming_the_file(tmp_path):
    message = refused(campaign(tmp_path, SENDER + 'logo = "nope.png"\n'))
    assert "letters.sender.logo" in message and str(tmp_path / "nope.png") in message
    assert "not found" in message


def test_logo_that_is_not_png_or_jpeg_is_refused(tmp_path):
    (tmp_path / "logo.png").write_bytes(b"GIF89a" + b"\x00" * 16)
    message = refused(campaign(tmp_path, SENDER + 'logo = "logo.png"\n'))
    assert "letters.sender.logo" in message and "PNG or JPEG" in message


def test_payment_method_words_are_needed_for_every_campaign_language(tmp_path):
    text = re.sub(r"^method = .*\n", "", DEMO, flags=re.M)
    assert "method = " not in text
    path = tmp_path / "RC-2026-017.toml"
    path.write_text(text.replace("max_reissues = 2", 'max_reissues = 2\nmethod = { en = "x" }'))
    message = refused(path)
    assert "payments.method" in message and "zh-CN" in message
    path.write_text(text, "utf-8")
    assert load_campaign(path).payments.method == {}  # left out: letters use general words


def test_sender_address_of_more_than_three_lines_is_refused(tmp_path):
    four = SENDER.replace('"Shanghai 200000"]', '"Shanghai 200000", "China", "Asia"]')
    message = refused(campaign(tmp_path, four))
    assert "letters.sender.address" in message and "at most 3" in message
