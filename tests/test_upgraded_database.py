"""A database loaded before the text analyser (schema 0003) and then migrated answers every
recorded request exactly as one loaded with today's code, on both engines: and, once migration
0006 has linked it, every release's detail and related releases too (the labelled translation set
among them: its translations found by the migration as ingestion finds them)."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, MetaData, Table, insert, select

from app.config import Settings
from app.db import create_db_engine
from app.ingest.command import ingest
from app.main import create_app
from app.models import press_release, press_release_passage
from app.schema_version import upgrade
from tests.fixtures.postgres import create_database, drop_database
from tests.fixtures.recorded_requests import load_archive, send
from tests.fixtures.releases import Ingest
from tests.test_links import TRANSLATION_SET

Answer = tuple[int, list[tuple[str, str]], bytes]  # status, headers but the date, body
# searches that reach the long release's passages, besides the recorded requests
LONG_RELEASE_QUERIES = ["transit", "%22transit+talks%22", "tra*&sort=newest", "paragraph+29"]


@pytest.fixture
def old_url(dialect: str, tmp_path: object, postgres_server: Engine | None) -> Iterator[str]:
    """An empty database of the engine under test, to be migrated to 0003."""
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path}/old.db"
        return
    assert postgres_server is not None  # the PostgreSQL parameter runs only with a server
    name = f"pressroom_old_{uuid.uuid4().hex[:12]}"
    yield create_database(postgres_server, name)
    drop_database(postgres_server, name)


def test_an_upgraded_database_answers_as_a_freshly_loaded_one(
    database_url: str, load: Ingest, engine: Engine, old_url: str
) -> None:
    load_archive(load, engine)
    paragraph = "Paragraph {} on trade and transit talks in Almaty. " * 12
    load(
        {
            "long": "date 2024-05-01 A long release\n\n"
            + "\n\n".join(paragraph.format(*[n] * 12) for n in range(30))
            + "\n"
        }
    )
    ingest(engine, [TRANSLATION_SET])
    # the same rows, written into a database at the schema before the analyser, whose own
    # triggers index them; then migrated, which analyses them again
    upgrade(old_url, "0003")
    old = create_db_engine(old_url)
    with engine.connect() as fresh, old.begin() as connection:
        for table in (press_release, press_release_passage):
            # the columns 0003 had (PostgreSQL's generated search vector is its own to fill)
            then = Table(table.name, MetaData(), autoload_with=connection)
            columns = [column for column in table.c if column.name in then.c]
            rows = [dict(row) for row in fresh.execute(select(*columns)).mappings()]
            connection.execute(insert(then), rows)
    old.dispose()
    upgrade(old_url, "head")

    with engine.connect() as connection:
        ids = sorted(connection.execute(select(press_release.c.id)).scalars())

    def answers(url: str) -> tuple[list[Answer], list[Answer]]:
        """The recorded requests' and the long release's searches; each release's detail and
        related releases."""
        fixed = {"X-Request-ID": "long-release"}
        with TestClient(create_app(Settings(database_url=url))) as client:
            searched = [response for _, response in send(client)]
            searched += [
                client.get(f"/v1/search?q={q}", headers=fixed) for q in LONG_RELEASE_QUERIES
            ]
            releases = [
                client.get(f"/v1/press-releases/{release_id}{path}", headers=fixed)
                for release_id in ids
                for path in ("", "/related")
            ]
        return [_answer(r) for r in searched], [_answer(r) for r in releases]

    (fresh_answers, fresh_releases), upgraded = answers(database_url), answers(old_url)
    assert len(fresh_answers) >= 60
    assert sum(status == 200 for status, _, _ in fresh_answers) >= 40
    for status, _, body in fresh_answers[-len(LONG_RELEASE_QUERIES) :]:
        assert (status, b"A long release" in body) == (200, True), body
    # every release answers, and the translation set's are linked (76 of its releases have a
    # translation found: tests/test_links.py)
    assert {status for status, _, _ in fresh_releases} == {200}
    assert sum(b'"translations":[{' in body for _, _, body in fresh_releases) == 76
    for fresh_answer, upgraded_answer in zip(
        fresh_answers + fresh_releases, upgraded[0] + upgraded[1], strict=True
    ):
        assert upgraded_answer == fresh_answer


def _answer(response: Any) -> Answer:
    headers = sorted((k, v) for k, v in response.headers.items() if k != "date")
    return response.status_code, headers, response.content
