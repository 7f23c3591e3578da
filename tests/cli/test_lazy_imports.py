"""Commands that run no flow start quickly: they import no Prefect, Polars or matplotlib.

Each command runs in a process of its own, as `recall` runs it, through a small wrapper that
calls the entry point and then prints which of those packages the command imported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flows.shared.settings import SHIPPED_CONFIG_DIR
from tests.conftest import CAMPAIGN

HEAVY = ("prefect", "polars", "matplotlib")
# calls the `recall` entry point ([project.scripts]), then writes the heavy modules it imported
WRAPPER = (
    "import json, sys; from pathlib import Path; report = Path(sys.argv.pop(1)); "
    "sys.argv[0] = 'recall'; from flows.cli.main import app\n"
    "try:\n    app()\nexcept SystemExit as exit:\n    code = exit.code\n"
    f"report.write_text(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
)


def imported_by(home: Path, config: Path, *args: str) -> list[str]:
    """The heavy packages `recall --home home --config-dir config *args` imported; the command
    must succeed."""
    report = home.parent / "imported.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECALL_"))}
    command = [sys.executable, "-c", WRAPPER, str(report)]
    command += ["--home", str(home), "--config-dir", str(config), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert report.exists(), done.stdout + done.stderr
    return list(json.loads(report.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data home holding a database (a reserve top-up made it) and the demo's inbox, and a
    config folder of its own (`templates approve` writes to it)."""
    folder = tmp_path_factory.mktemp("lazy")
    config = folder / "config"
    shutil.copytree(SHIPPED_CONFIG_DIR, config)
    home = folder / "home"
    imported_by(home, config, "demo", "--no-run")
    imported_by(home, config, "reserve", "add", "-c", CAMPAIGN, "--amount", "10", "--note", "a")
    return home, config


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("run", "--help"),
        ("status", "-c", CAMPAIGN),
        ("export", "claims", "-c", CAMPAIGN, "--out", "{folder}/claims.csv"),
        ("reserve", "add", "-c", CAMPAIGN, "--amount", "1.00", "--note", "again"),
        ("templates", "approve", "--by", "Legal"),
        ("backup",),
        ("demo", "--no-run"),
    ],
    ids=lambda args: " ".join(a for a in args if not a.startswith("{")),
)
def test_a_command_that_runs_no_flow_imports_no_prefect_polars_or_matplotlib(
    home: tuple[Path, Path], args: tuple[str, ...]
):
    data, config = home
    args = tuple(a.format(folder=data.parent) for a in args)
    assert imported_by(data, config, *args) == []


def test_restore_imports_no_prefect_polars_or_matplotlib(home: tuple[Path, Path]):
    data, config = home
    assert imported_by(data, config, "backup") == []
    latest = sorted((data / "backups").iterdir())[-1]
    assert imported_by(data, config, "restore", "--from", str(latest)) == []


def test_claim_imports_no_prefect_polars_or_matplotlib(home: tuple[Path, Path]):
    """The demo's home holds no claims before a run: the lookup reads the database as for a
    found claim, then refuses."""
    data, config = home
    assert imported_by(data, config, "claim", "nobody-calls", "-c", CAMPAIGN) == []
