"""Each test owns its database: the schema is migrated once into a template file, and every test
gets its own copy of it, served through the real app over ASGI."""

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.config import Settings
from app.db import create_db_engine
from app.ingest.command import Report, ingest
from app.main import create_app
from app.schema_version import upgrade

REPOSITORY = Path(__file__).resolve().parents[1]
SEED = REPOSITORY / "seeds" / "000_58c17a29ac5caa8f.txt"
SEED_TITLE = (
    "Initiative of the President of Kazakhstan to Establish a UN Center in Almaty was "
    "Unanimously Supported by UN Member States"
)

WriteSeeds = Callable[..., Path]
Ingest = Callable[..., Report]


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(template_db: Path, tmp_path: Path) -> str:
    path = tmp_path / "pressroom.db"
    shutil.copyfile(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        yield client


def seed_text(day: str, title: str, *paragraphs: str) -> str:
    return "\n".join([f"date {day} {title}", *paragraphs]) + "\n"


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
    for external_id, (_source, _language, text) in CORPUS.items():
        (folder / f"{external_id}.txt").write_text(text)
    ingest(engine, [folder])
    engine.dispose()
    return path
