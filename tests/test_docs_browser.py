"""/docs rendered by a real browser: headless Chromium loads Swagger UI from the app itself (the
machine has no network to a CDN) and draws every operation of the OpenAPI document."""

import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """This module is about SQLite itself (its files, its FTS index, its processes)."""
    return sqlite_url


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def render(url: str, profile: Path) -> str:
    assert CHROMIUM, "Chromium is needed: apt-get install chromium (.ci/run installs it)"
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_swagger_ui_renders_every_operation(live_server: str, tmp_path: Path) -> None:
    dom = render(f"{live_server}/docs", tmp_path / "profile")
    assert 'class="swagger-ui' in dom
    for path in (
        "/v1/press-releases",
        "/v1/press-releases/{key}",
        "/v1/press-releases/{key}/versions",
        "/v1/press-releases/{key}/versions/{number}",
        "/v1/press-releases/{key}/related",
        "/v1/search",
        "/v1/feed.atom",
        "/v1/changes",
        "/healthz",
        "/readyz",
        "/",
    ):
        assert f'data-path="{path}"' in dom, path
    assert dom.count('class="opblock opblock-get') == 11
