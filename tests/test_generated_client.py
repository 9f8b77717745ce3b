"""A client generated from the OpenAPI document by openapi-python-client, with strict status
checking, lists, gets, searches, pages and revalidates against a running server."""

import importlib
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.fixtures.releases import REPOSITORY, SEED, Ingest, seed_text

CONFIG = REPOSITORY / "clients" / "openapi-python-client.yml"


@pytest.fixture
def generated(live_server: str, tmp_path: Path) -> Iterator[ModuleType]:
    """The client package, generated from the live server's document."""
    spec = tmp_path / "openapi.json"
    with urllib.request.urlopen(f"{live_server}/openapi.json") as document:  # noqa: S310
        spec.write_bytes(document.read())
    package = tmp_path / "pressroom_client"
    generator = Path(sys.executable).with_name("openapi-python-client")
    subprocess.run(
        [
            generator,
            "generate",
            "--path",
            spec,
            "--output-path",
            package,
            "--meta",
            "none",
            "--config",
            CONFIG,
        ],
        check=True,
        capture_output=True,
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("pressroom_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.startswith("pressroom_client")]:
            del sys.modules[name]


def _api(name: str) -> Any:
    return importlib.import_module(f"pressroom_client.api.{name}")


def test_a_generated_client_lists_gets_searches_pages_and_revalidates(
    generated: ModuleType, live_server: str, load: Ingest
) -> None:
    load({SEED.stem: SEED.read_text()})
    load({"b": seed_text("2025-01-02", "Almaty water talks", "Talks on water in Almaty.")})
    with generated.Client(base_url=live_server, raise_on_unexpected_status=True) as client:
        listing = _api("press_releases.list_press_releases_v1_press_releases_get")
        detail = _api("press_releases.get_press_release_v1_press_releases_key_get")
        searching = _api("search.search_v1_search_get")
        feed = _api("feeds.feed_v1_feed_atom_get")

        first = listing.sync(client=client, limit=1)
        assert (first.total, [r.external_id for r in first.items]) == (2, [SEED.stem])
        second = listing.sync(client=client, limit=1, cursor=first.next_cursor)
        assert ([r.external_id for r in second.items], second.next_cursor) == (["b"], None)

        one = detail.sync_detailed(client=client, key="1")
        assert (one.status_code, one.parsed.external_id) == (200, SEED.stem)
        with generated.Client(
            base_url=live_server,
            raise_on_unexpected_status=True,
            headers={"If-None-Match": one.headers["etag"]},
        ) as revalidating:
            again = detail.sync_detailed(client=revalidating, key="1")
        assert (again.status_code, again.content) == (304, b"")
        missing = detail.sync_detailed(client=client, key="nope")
        assert (missing.status_code, missing.parsed.status) == (404, 404)

        newest = importlib.import_module("pressroom_client.models").SearchSort("newest")
        found = searching.sync(client=client, q="Almaty", sort=newest)
        assert [hit.press_release.external_id for hit in found.items] == [SEED.stem, "b"]
        atom = feed.sync_detailed(client=client)
        assert atom.status_code == 200
        assert atom.content.startswith(b"<?xml")
