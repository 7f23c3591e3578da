"""Prefect runs offline with no server: the settings the project sets before importing it."""

from __future__ import annotations

from pathlib import Path

from prefect.settings import get_current_settings

from tests.conftest import _SESSION_HOME


def test_prefect_is_configured_for_offline_serverless_runs():
    settings = get_current_settings()
    assert settings.server.analytics_enabled is False
    assert settings.server.ephemeral.enabled is True
    # a first start creates Prefect's database, which takes about 20 s on two cores
    assert settings.server.ephemeral.startup_timeout_seconds >= 120
    assert Path(settings.home).resolve() == (_SESSION_HOME / "prefect").resolve()
