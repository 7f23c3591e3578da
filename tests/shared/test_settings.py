"""Prefect runs offline with no server: the settings the project sets before importing it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from prefect.settings import get_current_settings

from flows.shared.settings import configure_environment
from tests.conftest import _SESSION_HOME


def test_prefect_is_configured_for_offline_serverless_runs():
    settings = get_current_settings()
    assert settings.server.analytics_enabled is False
    assert settings.server.ephemeral.enabled is True
    # a first start creates Prefect's database, which takes about 20 s on two cores
    assert settings.server.ephemeral.startup_timeout_seconds >= 120
    assert Path(settings.home).resolve() == (_SESSION_HOME / "prefect").resolve()


def test_run_logs_reach_the_api_at_info_while_the_console_shows_warnings():
    """SPEC §8: steps, counts and money reach Prefect (its UI) at INFO; a command's console
    keeps to its own summary plus Prefect's warnings and errors. (Prefect's logging.yml
    with the environment's overrides, as Prefect sets up logging from it.)"""
    from prefect.logging.configuration import DEFAULT_LOGGING_SETTINGS_PATH, load_logging_config

    config = load_logging_config(DEFAULT_LOGGING_SETTINGS_PATH)
    assert config["loggers"]["prefect"]["level"] == "INFO"  # flow and task run loggers inherit
    assert config["loggers"]["prefect.flow_runs"] == {"level": "NOTSET", "handlers": ["api"]}
    assert config["handlers"]["api"]["level"] == 0  # all the loggers pass
    assert config["handlers"]["console"]["level"] == "WARNING"
    assert config["root"]["handlers"] == ["console"]


def test_an_exported_prefect_logging_level_shows_on_the_console_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    monkeypatch.setattr(os, "environ", environment | {"PREFECT_LOGGING_LEVEL": "DEBUG"})
    configure_environment(tmp_path)
    assert os.environ["PREFECT_LOGGING_LEVEL"] == "DEBUG"
    assert "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL" not in os.environ
    monkeypatch.setattr(os, "environ", dict(environment))
    configure_environment(tmp_path)
    assert os.environ["PREFECT_LOGGING_LEVEL"] == "INFO"
    assert os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] == "WARNING"
