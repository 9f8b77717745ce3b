"""/docs rendered by a real browser: headless Chromium loads Swagger UI from the app itself (the
machine has no network to a CDN) and draws every operation of the OpenAPI document."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """This module is about SQLite itself (its files, its FTS index, its processes)."""
    return sqlite_url


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def server(database_url: str) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"DATABASE_URL": database_url, "PORT": str(port), "LOG_LEVEL": "warning"}
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/readyz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


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


def test_swagger_ui_renders_every_operation(server: str, tmp_path: Path) -> None:
    dom = render(f"{server}/docs", tmp_path / "profile")
    assert 'class="swagger-ui' in dom
    for path in (
        "/v1/press-releases",
        "/v1/press-releases/{key}",
        "/v1/search",
        "/v1/feed.atom",
        "/healthz",
        "/readyz",
        "/",
    ):
        assert f'data-path="{path}"' in dom, path
    assert dom.count('class="opblock opblock-get') == 7
