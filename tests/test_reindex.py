"""The analyser's version is recorded beside the index: a change of rules is found, refused where
it would do harm, and mended by `pressroom reindex` (or `pressroom migrate`)."""

import pytest
from fastapi.testclient import TestClient

from app import cli
from app.search import index
from app.text.analyser import version_label
from app.text.common import PAIRS
from tests.fixtures.releases import Ingest, seed_text

NEXT = "rules 999; a later analyser"


@pytest.fixture
def changed_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """This code's analyser is now another version than the one the index was built by."""
    monkeypatch.setattr(index, "version_label", lambda: NEXT)


def search(client: TestClient, q: str) -> list[str]:
    response = client.get("/v1/search", params={"q": q})
    assert response.status_code == 200
    return [item["press_release"]["external_id"] for item in response.json()["items"]]


def test_a_stale_index_is_refused_until_reindexed(
    client: TestClient,
    load: Ingest,
    cli_env: str,
    dialect: str,
    changed_rules: None,
    *,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # loaded by the current analyser, before the fixture's change applies to what follows
    with pytest.MonkeyPatch.context() as undo:
        undo.setattr(index, "version_label", version_label)
        load({"ru": seed_text("2025-01-01", "Встреча в Астане", "Переговоры с Казахстаном.")})
        built = index.index_label(dialect)
    # PostgreSQL's label also says which pairs of common words its tsvectors hold
    pairs = f"; common pairs {PAIRS}" if dialect == "postgresql" else ""
    assert built == f"{version_label()}{pairs}"
    why = (
        f"the search index was built by text analyser {built!r}, and this Pressroom's is "
        f"{NEXT + pairs!r}: run `pressroom reindex` (or `pressroom migrate`, which does it)"
    )
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()["detail"]) == (
        503,
        f"Search would answer wrongly: {why}.",
    )
    assert cli.main(["ingest", "-"]) == 2
    assert capsys.readouterr().err == f"pressroom: {why}\n"

    assert cli.main(["reindex"]) == 0
    assert capsys.readouterr() == (
        f"reindexed 1 releases with text analyser {NEXT + pairs}\n",
        f"pressroom: {why}; reindexing\n",
    )
    assert client.get("/readyz").status_code == 200
    assert search(client, "Казахстан") == ["ru"]
    assert cli.main(["reindex"]) == 0  # again: the same index
    assert search(client, "Астана") == ["ru"]


def test_migrate_reindexes_a_stale_index_and_only_then(
    load: Ingest,
    cli_env: str,
    dialect: str,
    changed_rules: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.MonkeyPatch.context() as undo:
        undo.setattr(index, "version_label", version_label)
        load({"a": seed_text("2025-01-01", "Alpha", "Words.")})
    assert cli.main(["migrate"]) == 0
    out, err = capsys.readouterr()
    assert out == f"reindexed 1 releases with text analyser {index.index_label(dialect)}\n"
    assert err.endswith("; reindexing\n")
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr() == ("", "")
