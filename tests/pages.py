"""Reports as a browser lays them out: headless Chromium at a given width, for the tests of
the finance report and the effect report."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def chromium_measure(html: Path, tmp_path: Path, width: int = 1280) -> str:
    """The page's DOM after layout, with the document and every panel's widths written in."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (scripts/sysdeps.sh installs it for `make test`)")
    probe = (
        "<script>window.addEventListener('load', () => {"
        "const d = document.documentElement;"
        "const over = [...document.querySelectorAll('.panel')]"
        ".filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.id || p.className);"
        "document.body.setAttribute('data-width', d.scrollWidth);"
        "document.body.setAttribute('data-viewport', window.innerWidth);"
        "document.body.setAttribute('data-over', over.join(' '));});</script>"
    )
    copy = tmp_path / "measured.html"
    copy.write_text(
        html.read_text(encoding="utf-8").replace("</body>", probe + "</body>"), encoding="utf-8"
    )
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--proxy-server=127.0.0.1:9",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--window-size={width},2000",
            "--virtual-time-budget=3000",
            "--dump-dom",
            copy.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout
