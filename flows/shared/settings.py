"""Where things live: data home, config dir, packaged resources, and Prefect's environment.

This module must not import Prefect: it sets the environment Prefect reads at import.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "RECALL_HOME"
CONFIG_ENV = "RECALL_CONFIG_DIR"


def resource_root() -> Path:
    """Folder holding sql/, templates/ and the shipped config/ (wheel or checkout)."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "_resources"
    return packaged if packaged.is_dir() else package.parent


SQL_DIR = resource_root() / "sql"
TEMPLATES_DIR = resource_root() / "templates"
SHIPPED_CONFIG_DIR = resource_root() / "config"


def templates_dir() -> Path:
    """Letter templates: RECALL_TEMPLATES_DIR, else the shipped templates/ folder."""
    override = os.environ.get("RECALL_TEMPLATES_DIR")
    return Path(override).resolve() if override else TEMPLATES_DIR


@dataclass(frozen=True)
class Paths:
    """All data paths derive from RECALL_HOME; campaign config from RECALL_CONFIG_DIR."""

    home: Path
    config_dir: Path

    @classmethod
    def from_env(cls) -> Paths:
        home = Path(os.environ.get(HOME_ENV) or "var")
        config = Path(os.environ.get(CONFIG_ENV) or "config")
        return cls(home=home.resolve(), config_dir=config.resolve())

    @property
    def database(self) -> Path:
        return self.home / "recall.duckdb"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def backups(self) -> Path:
        return self.home / "backups"

    @property
    def restore_journal(self) -> Path:
        """Present while a `recall restore` is under way (or was killed before it ended)."""
        return self.home / "restore.json"

    def campaign_file(self, campaign: str) -> Path:
        return self.config_dir / "campaigns" / f"{campaign}.toml"

    def inbox(self, campaign: str, kind: str) -> Path:
        return self.home / "inbox" / campaign / kind

    def out(self, campaign: str, kind: str) -> Path:
        return self.home / "out" / campaign / kind


def owner_only_home(home: Path) -> None:
    """Everything this process creates is readable by its owner only (the data home holds
    personal data): umask 077, the home folder 0700, and the database files of a home made by
    an older version 0600. Files created elsewhere with an explicit mode keep theirs."""
    os.umask(0o077)
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    home.chmod(0o700)
    for name in ("recall.duckdb", "recall.duckdb.wal", "recall.lock"):
        path = home / name
        if path.exists():
            path.chmod(0o600)


PREFECT_DEFAULTS = {
    # No network but package registries: no telemetry, no update checks.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # Without PREFECT_API_URL, Prefect runs flows against a temporary local server.
    "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "true",
    # Its first start creates its database: ~20 s on 2 cores, Prefect's default timeout.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    # Run logs (steps, counts, money) reach the Prefect API at INFO, so its UI shows them...
    "PREFECT_LOGGING_LEVEL": "INFO",
}
# ...while the console, where a command prints its own summary, shows warnings and errors only
# (Prefect's logging.yml: the `console` handler; `api` takes every level its loggers pass).
# Exporting PREFECT_LOGGING_LEVEL shows that level on the console too.
QUIET_CONSOLE = {"PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING"}


def configure_environment(home: Path | None = None, config_dir: Path | None = None) -> Paths:
    """Fix RECALL_* paths and the Prefect settings an offline, serverless run needs.

    Called by the CLI before any flow module (and so Prefect) is imported. Settings
    the user already exported win, so a team can point runs at a real Prefect server.
    """
    if home is not None:
        os.environ[HOME_ENV] = str(home.resolve())
    if config_dir is not None:
        os.environ[CONFIG_ENV] = str(config_dir.resolve())
    paths = Paths.from_env()
    owner_only_home(paths.home)
    # Importing prefect creates PREFECT_HOME; keep it with the data it describes.
    os.environ.setdefault("PREFECT_HOME", str(paths.home / "prefect"))
    if "PREFECT_LOGGING_LEVEL" not in os.environ:
        for key, value in QUIET_CONSOLE.items():
            os.environ.setdefault(key, value)
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    return paths


HEARTBEAT_ENV = "PREFECT_FLOWS_HEARTBEAT_FREQUENCY"


def flow_run_settings() -> AbstractContextManager[object]:
    """Prefect settings for the flows a recall command runs: no flow-run heartbeats unless
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY is exported.

    Heartbeats let a server's automations mark a crashed run; a recall run is made safe to run
    again instead, and Prefect joins the heartbeat thread at the end of every flow, about a
    second each (five per nightly). Prefect's settings cannot say "none" from the
    environment, hence a settings context (imported here, after the environment is set).
    """
    if os.environ.get(HEARTBEAT_ENV):
        return nullcontext()
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})
