"""The embedded default's search index beside the SQLite file (app/search/side_index.py) stays
derived from the table: written by every writer and committed after the database, rolled back with
a run that is not kept, brought back in step after a kill at any moment, rebuilt when it is not
the database's, and never made by a reader."""

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tantivy
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.config import Settings
from app.db import create_db_engine, sqlite_path
from app.ingest.command import ingest
from app.main import create_app
from app.search import side_index
from tests.fixtures.problems import assert_problem
from tests.fixtures.releases import WriteSeeds, seed_text
from tests.fixtures.search_index import indexed_ids


def published_ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id FROM press_release WHERE state = 'published' ORDER BY id")
        )
        return list(rows.scalars())


def in_step(engine: Engine) -> int | None:
    with engine.connect() as connection:
        return side_index.bring_in_step(connection)


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Engine:
    return create_db_engine(sqlite_url)


def test_a_run_writes_the_index_and_a_run_not_kept_leaves_it_as_it_was(
    sqlite_url: str, sqlite_engine: Engine, write_seeds: WriteSeeds
) -> None:
    database = sqlite_path(sqlite_url)
    ingest(sqlite_engine, [write_seeds({"a": seed_text("2025-01-01", "Alpha", "Water talks.")})])
    assert indexed_ids(database) == [1]
    strict = write_seeds({"b": seed_text("2025-01-02", "Beta", "Energy."), "c": b"\xff"})
    report = ingest(sqlite_engine, [strict], strict=True)
    assert (report.written, report.added) == (False, 1)
    dry = ingest(
        sqlite_engine, [write_seeds({"d": seed_text("2025-01-03", "D", "X.")})], dry_run=True
    )
    assert (dry.written, dry.added) == (False, 1)
    assert indexed_ids(database) == [1]
    assert in_step(sqlite_engine) is None  # nothing to apply


def test_a_kill_between_the_two_commits_is_made_good_by_the_next_start(
    sqlite_url: str,
    sqlite_engine: Engine,
    write_seeds: WriteSeeds,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database = sqlite_path(sqlite_url)
    ingest(sqlite_engine, [write_seeds({"a": seed_text("2025-01-01", "Alpha", "Water talks.")})])

    def killed(_writes: side_index.Writes, _seq: int) -> None:
        raise KeyboardInterrupt  # the process dies after SQLite's commit, before the index's

    monkeypatch.setattr(side_index.Writes, "commit", killed)
    second = write_seeds({"b": seed_text("2025-01-02", "Beta", "Water and energy talks.")})
    with pytest.raises(KeyboardInterrupt):
        ingest(sqlite_engine, [second])
    monkeypatch.undo()
    assert published_ids(sqlite_engine) == [1, 2]
    assert indexed_ids(database) == [1]
    with TestClient(create_app(Settings(database_url=sqlite_url))) as client:
        # the index is behind the table: a search sees the archive as it was
        lagging = client.get("/v1/search", params={"q": "water"}).json()
        assert [item["press_release"]["id"] for item in lagging["items"]] == [1]
        assert in_step(sqlite_engine) == 1  # one release changed since the index's last change
        caught_up = client.get("/v1/search", params={"q": "water"}).json()
        assert sorted(item["press_release"]["id"] for item in caught_up["items"]) == [1, 2]
    assert indexed_ids(database) == [1, 2]


def _archive(folder: Path, count: int) -> Path:
    lines = [
        json.dumps(
            {
                "id": f"r{n}",
                "title": f"Release {n} on water",
                "published_on": f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "body": f"Talks on water and energy, number {n}. " * 20,
                "language": "en",
            }
        )
        for n in range(count)
    ]
    path = folder / "archive.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("after_seconds", [0.8, 1.6, 2.4, 3.2])
def test_a_killed_ingest_leaves_an_index_the_next_start_brings_in_step(
    sqlite_url: str, sqlite_engine: Engine, tmp_path: Path, after_seconds: float
) -> None:
    database = sqlite_path(sqlite_url)
    first = tmp_path / "first"
    first.mkdir()
    ingest(sqlite_engine, [_archive(first, 50)])
    more = tmp_path / "more"
    more.mkdir()
    archive = more / "archive.jsonl"
    archive.write_text(_archive(more, 4000).read_text().replace('"id": "r', '"id": "more-'))
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "ingest", str(archive)],
        env={"DATABASE_URL": sqlite_url, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(after_seconds)
    process.send_signal(signal.SIGKILL)
    process.wait()
    in_step(sqlite_engine)
    published = published_ids(sqlite_engine)
    assert len(published) in (50, 4050)  # the run is all or nothing
    assert indexed_ids(database) == published


def test_an_index_that_is_not_the_databases_is_made_again(
    sqlite_url: str, sqlite_engine: Engine, write_seeds: WriteSeeds, template_db: Path
) -> None:
    database = sqlite_path(sqlite_url)
    ingest(sqlite_engine, [write_seeds({"a": seed_text("2025-01-01", "Alpha", "Water talks.")})])
    sqlite_engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template_db, database)  # another database at the path, the index kept
    assert indexed_ids(database) == [1]
    assert in_step(sqlite_engine) == 0
    assert indexed_ids(database) == []


def test_a_reader_never_makes_the_index_and_says_how_to(
    sqlite_url: str, sqlite_engine: Engine, write_seeds: WriteSeeds
) -> None:
    ingest(sqlite_engine, [write_seeds({"a": seed_text("2025-01-01", "Alpha", "Water talks.")})])
    side_index.remove(sqlite_path(sqlite_url))
    with TestClient(create_app(Settings(database_url=sqlite_url))) as client:
        response = client.get("/v1/search", params={"q": "water"})
    where = side_index.location(sqlite_path(sqlite_url))
    detail = (
        f"Search is not available yet: the search index beside the database ({where}) has not "
        "been made: `pressroom migrate`, `pressroom serve` or `pressroom reindex` makes it."
    )
    assert_problem(response, 503, "Service Unavailable", detail, "/v1/search")
    assert response.headers["Retry-After"] == "30"
    assert not side_index.location(sqlite_path(sqlite_url)).exists()


def test_an_index_of_another_schema_is_made_again_by_the_next_writer(
    sqlite_url: str, sqlite_engine: Engine, write_seeds: WriteSeeds
) -> None:
    database = sqlite_path(sqlite_url)
    ingest(sqlite_engine, [write_seeds({"a": seed_text("2025-01-01", "Alpha", "Water talks.")})])
    side_index.remove(database)
    other = tantivy.SchemaBuilder()
    other.add_text_field("text")
    where = side_index.location(database)
    where.mkdir()
    tantivy.Index(other.build(), path=str(where)).writer().commit()
    with TestClient(create_app(Settings(database_url=sqlite_url))) as client:
        assert client.get("/v1/search", params={"q": "water"}).status_code == 503
        assert in_step(sqlite_engine) == 1
        found = client.get("/v1/search", params={"q": "water"}).json()
    assert [item["press_release"]["id"] for item in found["items"]] == [1]
    assert indexed_ids(database) == [1]
