"""The API on a real streaming replica of the test server (tests/fixtures/replica.py): it reads
from DATABASE_READ_URL, ingestion writes to DATABASE_URL, and a client of a lagging replica sees
the archive as the replica last replayed it, whole, until the replica catches up."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.main import create_app
from tests.fixtures.lifecycle import jsonl_writer, line, pressroom
from tests.fixtures.postgres import create_database, drop_database
from tests.fixtures.problems import assert_problem
from tests.fixtures.replica import ReplicaUnavailable, caught_up, streaming_replica


@pytest.fixture(scope="module")
def replica_server(postgres_server: Engine | None) -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the replica's maintenance database."""
    if postgres_server is None:
        pytest.skip("no PostgreSQL server answers at PRESSROOM_TEST_POSTGRES_URL")
    try:
        with streaming_replica(postgres_server) as url:
            engine = create_engine(url, isolation_level="AUTOCOMMIT")
            yield engine
            engine.dispose()
    except ReplicaUnavailable as error:
        pytest.fail(str(error))


@dataclass(frozen=True)
class Replicated:
    """A database of the test's own: its URL on the primary and on the replica."""

    primary: str
    replica: str
    primary_server: Engine
    replica_server: Engine

    def catch_up(self) -> None:
        caught_up(self.primary_server, self.replica_server)

    @contextmanager
    def lagging(self) -> Iterator[None]:
        """The replica replays nothing meanwhile."""
        with self.replica_server.connect() as connection:
            connection.execute(text("SELECT pg_wal_replay_pause()"))
        try:
            yield
        finally:
            with self.replica_server.connect() as connection:
                connection.execute(text("SELECT pg_wal_replay_resume()"))


@pytest.fixture
def replicated(
    postgres_server: Engine, postgres_template: str, replica_server: Engine
) -> Iterator[Replicated]:
    name = f"pressroom_test_{uuid.uuid4().hex[:12]}"
    primary = create_database(postgres_server, name, template=postgres_template)
    replica = replica_server.url.set(database=name).render_as_string(hide_password=False)
    found = Replicated(primary, replica, postgres_server, replica_server)
    found.catch_up()
    yield found
    drop_database(postgres_server, name)


SECOND = "2026-01-03-second"  # the second release's slug


def _ids(client: TestClient) -> tuple[int, list[str]]:
    page = client.get("/v1/press-releases").json()
    return page["total"], [item["external_id"] for item in page["items"]]


def test_the_api_reads_the_replica_and_ingestion_writes_the_primary(
    replicated: Replicated,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    primary, replica = replicated.primary, replicated.replica
    monkeypatch.setenv("DATABASE_URL", primary)
    monkeypatch.setenv("DATABASE_READ_URL", replica)  # what an API replica's host has set
    write = jsonl_writer(tmp_path)
    assert pressroom(capsys, "ingest", str(write(line("first", "First", "The first.")))) == (
        0,
        "added 1, updated 0, unchanged 0, rejected 0\n",
        "",
    )
    replicated.catch_up()
    with TestClient(create_app(Settings(database_url=primary, database_read_url=replica))) as api:
        assert _ids(api) == (1, ["first"])

        # The replica stops replaying; the primary takes a second release. The API answers
        # from the replica as it was: the new release is not there yet, anywhere.
        with replicated.lagging():
            second = write(line("second", "Second", "The second.", "2026-01-03"))
            assert pressroom(capsys, "ingest", str(second))[0] == 0
            writer = create_engine(primary)
            with writer.connect() as connection:
                stored = connection.execute(text("SELECT count(*) FROM press_release"))
                assert stored.scalar_one() == 2
            writer.dispose()
            assert _ids(api) == (1, ["first"])
            assert_problem(
                api.get(f"/v1/press-releases/{SECOND}"),
                404,
                "Not Found",
                f"No press release has the id or slug {SECOND!r}.",
                f"/v1/press-releases/{SECOND}",
            )

        replicated.catch_up()
        assert _ids(api) == (2, ["second", "first"])
        assert api.get(f"/v1/press-releases/{SECOND}").json()["external_id"] == "second"


def test_the_replica_refuses_to_be_written(replicated: Replicated) -> None:
    engine = create_engine(make_url(replicated.replica))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_is_in_recovery()")).scalar_one() is True
            with pytest.raises(DBAPIError) as refused:
                connection.execute(text("DELETE FROM press_release"))
    finally:
        engine.dispose()
    assert getattr(refused.value.orig, "sqlstate", None) == "25006"  # read_only_sql_transaction
