"""Each test owns its database: the schema is migrated once into a template, and every test gets
its own copy of it, served through the real app over ASGI.

The API contract tests run on both engines (`database_url` is parametrized): on SQLite, a copy of a
migrated file; on PostgreSQL, a database created from a migrated template database, on the server
at PRESSROOM_TEST_POSTGRES_URL (default: the local one). Where no server answers, the PostgreSQL
cases are skipped, unless that variable is set (as .ci/run sets it): then they fail. Tests of
SQLite itself take `sqlite_url` instead.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.config import Settings
from app.db import create_db_engine
from app.ingest.command import Report, ingest
from app.main import create_app
from app.schema_version import upgrade
from tests.fixtures.postgres import POSTGRES_URL, create_database, drop_database
from tests.fixtures.releases import Ingest, WriteSeeds


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(template_db: Path, tmp_path: Path) -> str:
    path = tmp_path / "pressroom.db"
    shutil.copyfile(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Engine | None]:
    """An AUTOCOMMIT engine on the server's maintenance database, to create and drop databases;
    None where no server answers (and PRESSROOM_TEST_POSTGRES_URL is not set)."""
    server = create_engine(
        make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with server.connect():
            pass
    except OperationalError as error:
        if "PRESSROOM_TEST_POSTGRES_URL" in os.environ:
            pytest.fail(f"PRESSROOM_TEST_POSTGRES_URL is set but no server answers: {error}")
        yield None
        return
    yield server
    server.dispose()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: Engine | None) -> Iterator[str | None]:
    """A database migrated once, the template of each test's own."""
    if postgres_server is None:
        yield None
        return
    name = f"pressroom_template_{uuid.uuid4().hex[:8]}"
    url = create_database(postgres_server, name)
    upgrade(url)
    create_engine(url).dispose()
    yield name
    drop_database(postgres_server, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest,
    sqlite_url: str,
    postgres_server: Engine | None,
    postgres_template: str | None,
) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url
        return
    if postgres_server is None or postgres_template is None:
        pytest.skip("no PostgreSQL server answers at PRESSROOM_TEST_POSTGRES_URL")
    name = f"pressroom_test_{uuid.uuid4().hex[:12]}"
    url = create_database(postgres_server, name, template=postgres_template)
    yield url
    drop_database(postgres_server, name)


@pytest.fixture
def dialect(database_url: str) -> str:
    """The engine under test: sqlite or postgresql."""
    return make_url(database_url).get_backend_name()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test's database in DATABASE_URL, for the `pressroom` command's own Settings()."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        yield client


@pytest.fixture
def write_seeds(tmp_path: Path) -> WriteSeeds:
    """Write `{stem: text or bytes}` as .txt files into a fresh directory and return it."""
    counter = iter(range(1_000_000))

    def write(files: dict[str, str | bytes], *, folder: str | None = None) -> Path:
        directory = tmp_path / (folder or f"seeds{next(counter)}")
        directory.mkdir(parents=True, exist_ok=True)
        for stem, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            (directory / f"{stem}.txt").write_bytes(data)
        return directory

    return write


@pytest.fixture
def load(engine: Engine, write_seeds: WriteSeeds) -> Ingest:
    """Ingest `{stem: text}` files into the test's database."""

    def run(files: dict[str, str | bytes], **options: object) -> Report:
        return ingest(engine, [write_seeds(files)], **options)  # type: ignore[arg-type]

    return run


@pytest.fixture(scope="session")
def corpus_db(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the search corpus, shared read-only by the tests that fuzz."""
    from tests.search_corpus import CORPUS  # noqa: PLC0415

    path = tmp_path_factory.mktemp("properties") / "corpus.db"
    shutil.copyfile(template_db, path)
    engine = create_db_engine(f"sqlite:///{path}")
    folder = path.parent / "seeds"
    folder.mkdir()
    for external_id, (_source, _language, release) in CORPUS.items():
        (folder / f"{external_id}.txt").write_text(release)
    ingest(engine, [folder])
    engine.dispose()
    return path


@pytest.fixture
def live_server(database_url: str) -> Iterator[str]:
    """`pressroom serve` on the test's database, as an operator runs it; its base URL, ready."""
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
