"""PostgreSQL itself: the migration's tsvector branch up and down, the tsquery compiler, and the
ingestion guarantees on the server. (The API contract tests run on it too: see conftest.py.)"""

import itertools
import string
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from app import cli
from app.config import Settings
from app.db import create_db_engine
from app.ingest.changes import ChangeLog
from app.ingest.command import ingest
from app.ingest.store import TOO_MANY_WORDS, upsert_batch
from app.main import create_app
from app.models import ChangeKind
from app.queries import get_release
from app.reads import Snapshot
from app.schema_version import alembic_config
from app.search import index, postgres
from app.search.grammar import parse
from app.search.postgres import compile_tsquery
from tests.fixtures.postgres import create_database, drop_database
from tests.fixtures.releases import SEED, Ingest, WriteSeeds, seed_text


def _server(postgres_server: Engine | None) -> Engine:
    if postgres_server is None:  # never in CI, where PRESSROOM_TEST_POSTGRES_URL is set
        pytest.skip("no PostgreSQL server answers at PRESSROOM_TEST_POSTGRES_URL")
    return postgres_server


@pytest.fixture
def database_url(postgres_server: Engine | None, postgres_template: str | None) -> Iterator[str]:
    """This module's tests run on PostgreSQL only: a database of their own, migrated."""
    server = _server(postgres_server)
    name = f"pressroom_test_{uuid.uuid4().hex[:12]}"
    yield create_database(server, name, template=str(postgres_template))
    drop_database(server, name)


@pytest.fixture
def postgres_url(database_url: str) -> str:
    return database_url


@pytest.fixture
def fresh_postgres(postgres_server: Engine | None) -> Iterator[str]:
    """An empty database, for the migrations themselves."""
    server = _server(postgres_server)
    name = f"pressroom_fresh_{uuid.uuid4().hex[:12]}"
    yield create_database(server, name)
    drop_database(server, name)


def shape(url: str) -> dict[str, object]:
    engine = create_db_engine(url)
    with engine.connect() as connection:

        def names(sql: str) -> list[str]:
            return sorted(connection.execute(text(sql)).scalars())

        found: dict[str, object] = {
            "tables": names(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            ),
            "columns": names(
                "SELECT table_name || '.' || column_name FROM information_schema.columns "
                "WHERE table_name LIKE 'press_release%'"
            ),
            "indexes": names("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"),
            "triggers": names("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"),
            "configs": names("SELECT cfgname FROM pg_ts_config WHERE cfgname = 'pressroom'"),
        }
    engine.dispose()
    return found


RELEASE_COLUMNS = [
    "body",
    "change_note",
    "content_hash",
    "external_id",
    "id",
    "ingested_at",
    "language",
    "lead",
    "published_on",
    "slug",
    "source",
    "state",
    "title",
    "updated_at",
    "version",
    "withdrawal_reason",
    "withdrawn_at",
    "word_count",
]
VERSION_COLUMNS = (
    "body",
    "change_note",
    "content_hash",
    "language",
    "lead",
    "published_on",
    "release_id",
    "source",
    "title",
    "updated_at",
    "version",
    "word_count",
)
EXPECTED = {
    "tables": [
        "alembic_version",
        "press_release",
        "press_release_band",
        "press_release_change",
        "press_release_link",
        "press_release_passage",
        "press_release_search",
        "press_release_translation_of",
        "press_release_version",
        "search_analyser",
        "search_term",
    ],
    "columns": sorted(
        [f"press_release.{name}" for name in RELEASE_COLUMNS]
        + [f"press_release_version.{name}" for name in VERSION_COLUMNS]
        + [f"press_release_change.{name}" for name in ("at", "kind", "release_id", "seq")]
        + [f"press_release_band.{name}" for name in ("band", "release_id")]
        + [f"press_release_link.{name}" for name in ("kind", "other_id", "release_id", "stated")]
        + [f"press_release_translation_of.{name}" for name in ("external_id", "release_id")]
        + [
            f"press_release_passage.{name}"
            for name in ("body", "id", "release_id", "search_vector", "start")
        ]
        + [
            f"press_release_search.{name}"
            for name in ("id", "language", "published_on", "search_vector", "source")
        ]
    ),
    "indexes": sorted(
        [
            "alembic_version_pkc",
            "pk_press_release",
            "uq_press_release_external_id",
            "uq_press_release_slug",
            "ix_press_release_published_on_id_source_language",
            "ix_press_release_source_published_on_id",
            "ix_press_release_language_published_on_id",
            "ix_press_release_withdrawn_at",
            "pk_press_release_version",
            "pk_press_release_change",
            "pk_press_release_passage",
            "ix_press_release_passage_release_id",
            "pk_press_release_search",
            "ix_press_release_search_vector",
            "ix_press_release_search_published_on_id",
            "pk_search_term",
            "pk_press_release_band",
            "pk_press_release_link",
            "pk_press_release_translation_of",
            "ix_press_release_translation_of_external_id",
        ]
    ),
    # the index is written by the application (app/search/index.py), not by triggers; the text
    # search configuration of 0001 stays for the downgrade to 0003 (whose triggers use it)
    "triggers": [],
    "configs": ["pressroom"],
}
EMPTY = {"tables": ["alembic_version"], "columns": [], "indexes": ["alembic_version_pkc"]}


def test_upgrade_downgrade_upgrade(fresh_postgres: str) -> None:
    config = alembic_config(fresh_postgres)
    command.upgrade(config, "head")
    assert shape(fresh_postgres) == EXPECTED
    command.downgrade(config, "base")
    assert shape(fresh_postgres) == EMPTY | {"triggers": [], "configs": []}
    command.upgrade(config, "head")
    assert shape(fresh_postgres) == EXPECTED


def test_the_upgrade_analyses_the_stored_releases_and_the_downgrade_restores_the_old_index(
    fresh_postgres: str,
) -> None:
    config = alembic_config(fresh_postgres)
    command.upgrade(config, "0003")
    engine = create_db_engine(fresh_postgres)

    def match(tsquery: str) -> list[int]:
        with engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT id FROM press_release_search WHERE search_vector @@ "
                    "CAST(:q AS tsquery) ORDER BY id"
                ),
                {"q": tsquery},
            )
            return list(found.scalars())

    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO press_release (id, external_id, slug, title, published_on, language, "
                "body, lead, word_count, content_hash, ingested_at, updated_at) VALUES (7, 'x', "
                "'s', 'Встреча в Астане', '2025-01-01', 'ru', 'Переговоры с Казахстаном', "
                "'Переговоры', 3, 'h', now(), now())"
            )
        )
    # 0003's configuration (English rules) kept the Russian words as written
    assert (match("'казахстаном'"), match("'казахстан'")) == ([7], [])
    command.upgrade(config, "head")
    assert (match("'казахстан'"), match("'астана':A"), match("'казахстаном'")) == ([7], [7], [])
    command.downgrade(config, "0003")
    assert shape(fresh_postgres)["triggers"] == [
        "press_release_search_ai",
        "press_release_search_au",
    ]
    assert (match("'казахстаном'"), match("'казахстан'")) == ([7], [])
    engine.dispose()


@pytest.mark.parametrize(
    ("text_", "tsquery"),
    [
        ("almaty forum", "( 'almati' & 'forum' )"),
        ('"central asia"', "( 'central' <-> 'asia' )"),
        ("a OR b -c", "( ( 'a' | 'b' ) & !( 'c' ) )"),
        ("kazakh* title:un", "( 'kazakh':* & 'un':A )"),
        ('title:"un center"', "( 'un':A <-> 'center':A )"),
        ("title:kaz*", "( 'kaz':*A )"),
        ("it's back\\slash", "( 'it' & 'back' <-> 'slash' )"),
        ("a:b|c&!d", "( 'a' <-> 'b' <-> 'c' <-> 'd' )"),
        ("стали", "( ( 'стать' | 'стали' | 'сталь' ) )"),  # every reading, and the Kazakh rule's
        ("қазақстан*", "( 'қазақстан':* )"),
        # each pair of common words standing together is required too (app/text/common.py),
        # and two common words alone are their pair alone
        ('"was this"', "( '~was~this' )"),
        ('title:"of the"', "( '~of~the':A )"),
        ('"is in the"', "( ( 'is' <-> 'in' <-> 'the' ) & '~is~in' & '~in~the' )"),
        ('"the was filed"', "( ( 'the' <-> 'was' <-> 'file' ) & '~the~was' )"),
        ("of-the-best*", "( ( 'of' <-> 'the' <-> 'best':* ) & '~of~the' )"),
        ("of-the*", "( 'of' <-> 'the':* )"),  # a prefix stands for words, not a pair
        ('"и в"', "( '~и~в' )"),
        ('"и в" OR "of rain"', "( ( '~и~в' | 'of' <-> 'rain' ) )"),
    ],
)
def test_every_word_is_a_quoted_lexeme(text_: str, tsquery: str) -> None:
    assert compile_tsquery(parse(text_)) == tsquery


def test_the_server_reads_every_compiled_query(postgres_url: str) -> None:
    engine = create_db_engine(postgres_url)
    hostile = ["a:b|c&!d", "it's", "back\\slash", "(((x", "'; DROP TABLE x; --", "<-> !! :* x"]
    with engine.connect() as connection:
        for query in hostile:
            connection.execute(
                text("SELECT to_tsquery('pressroom', :q)"), {"q": compile_tsquery(parse(query))}
            )
    engine.dispose()


def test_the_index_holds_each_pair_of_common_words_standing_together(
    postgres_url: str, load: Ingest, cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # the title's last word and the body's first are both common, and stand apart: no pair
    load({"p": seed_text("2025-01-01", "What it was", "This was the start of talks.")})
    engine = create_db_engine(postgres_url)
    with engine.connect() as connection:
        vector = connection.execute(
            text("SELECT search_vector::text FROM press_release_search")
        ).scalar()
    # each pair at its first word's position, with its weight; none across the title's end
    assert vector == (
        "'it':2A 'of':9B 'start':8B 'talk':10B 'the':7B 'this':5B 'was':3A,6B 'what':1A "
        "'~it~was':2A '~this~was':5B '~was~the':6B '~what~it':1A"
    )
    engine.dispose()
    # the vocabulary (of prefixes and "did you mean") is made of words, never of pairs
    assert cli.main(["reindex"]) == 0
    capsys.readouterr()
    with engine.connect() as connection:
        words = connection.execute(text("SELECT term FROM search_term ORDER BY term")).scalars()
        assert list(words) == ["it", "of", "start", "talk", "the", "this", "was", "what"]
    engine.dispose()


def test_a_word_with_a_quote_or_a_backslash_is_one_escaped_lexeme() -> None:
    # the analyser never makes one (its words are letters and digits), and the text must still
    # never read as two lexemes
    assert index.from_terms("postgresql", ["o'brien", "a\\b"], ["x"]) == (
        "'o''brien':1A 'a\\\\b':2A 'x':4B",
    )


def test_ingestion_is_idempotent_and_updates_in_place(postgres_url: str, load: Ingest) -> None:
    assert load({"r": seed_text("2025-01-01", "Zebra", "Old words.")}).added == 1
    engine = create_db_engine(postgres_url)
    stamps = text("SELECT id, slug, updated_at FROM press_release")
    with engine.connect() as connection:
        before = connection.execute(stamps).all()
    assert load({"r": seed_text("2025-01-01", "Zebra", "Old words.")}).unchanged == 1
    with engine.connect() as connection:
        assert connection.execute(stamps).all() == before
    assert load({"r": seed_text("2025-01-01", "Zebra", "New yak.")}).updated == 1
    match = text(
        "SELECT count(*) FROM press_release_search "
        "WHERE search_vector @@ to_tsquery('pressroom', :q)"
    )
    with engine.connect() as connection:
        after = connection.execute(stamps).one()
        assert (after.id, after.slug) == (before[0].id, before[0].slug)
        assert after.updated_at > before[0].updated_at
        assert connection.execute(match, {"q": "old"}).scalar() == 0
        assert connection.execute(match, {"q": "yak"}).scalar() == 1
    engine.dispose()


@pytest.mark.parametrize("cost", [0.0, 1e9])  # a block's matches read by the index; walked
def test_a_blocks_newest_matches_are_the_same_read_by_the_index_or_walked(
    postgres_url: str, load: Ingest, monkeypatch: pytest.MonkeyPatch, cost: float
) -> None:
    # every third of 30 releases holds `harbour`, 10 matches, in blocks of 4: the newest 4
    # ranked among themselves (all alike: by id), then the next 4, then the last 2
    for i in range(1, 31):
        body = "The harbour opened." if i % 3 == 0 else "The road opened."
        load({f"r{i:02}": seed_text("2025-01-01", f"Report {i}", body)})
    monkeypatch.setattr(postgres, "INDEX_ROW_COST", cost)
    settings = Settings(database_url=postgres_url, rank_window=4)
    found: list[int] = []
    params: dict[str, str | int] = {"q": "harbour", "limit": 3}
    with TestClient(create_app(settings)) as client:
        while True:
            body = client.get("/v1/search", params=params).json()
            found += [item["press_release"]["id"] for item in body["items"]]
            if body["next_cursor"] is None:
                break
            params = {"q": "harbour", "limit": 3, "cursor": body["next_cursor"]}
    assert found == [21, 24, 27, 30, 9, 12, 15, 18, 3, 6]


PENDING = text(
    "SELECT n_pending_tuples FROM gin_metapage_info(get_raw_page(:index, 0))"
).bindparams(index=index.SEARCH_GIN)


def pending_entries(url: str) -> int:
    """The rows whose entries wait in the search index's pending list (pageinspect)."""
    engine = create_db_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        found: int = connection.execute(PENDING).scalar_one()
    engine.dispose()
    return found


def matching(url: str, word: str) -> list[str]:
    engine = create_db_engine(url)
    match = text(
        "SELECT r.external_id FROM press_release_search s JOIN press_release r USING (id) "
        "WHERE s.search_vector @@ CAST(:q AS tsquery) ORDER BY r.external_id"
    )
    with engine.connect() as connection:
        found = list(connection.execute(match, {"q": f"'{word}'"}).scalars())
    engine.dispose()
    return found


def two_releases() -> dict[str, str]:
    return {
        "a": seed_text("2025-01-01", "Yak herders", "Yaks of Almaty."),
        "b": seed_text("2025-01-02", "Yak milk", "Yaks again."),
    }


def test_an_ingest_leaves_no_search_entries_pending(postgres_url: str, load: Ingest) -> None:
    # the run let them wait in the GIN index's pending list, and moved them after its batch
    # (index.bulk_writes); at the default limit, two rows would still be waiting there
    assert load(two_releases()).added == 2
    assert pending_entries(postgres_url) == 0
    assert matching(postgres_url, "yak") == ["a", "b"]


def test_a_role_that_does_not_own_the_index_ingests_at_the_defaults(
    postgres_url: str, postgres_server: Engine, write_seeds: WriteSeeds
) -> None:
    role = f"pressroom_writer_{uuid.uuid4().hex[:8]}"
    owner = create_db_engine(postgres_url)
    with owner.begin() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(
            text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
        )
        connection.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    owner.dispose()
    writer = create_db_engine(make_url(postgres_url).set(username=role).render_as_string(False))
    try:
        report = ingest(writer, [write_seeds(two_releases())])
        writer.dispose()
        assert report.summary() == "added 2, updated 0, unchanged 0, rejected 0"
        assert pending_entries(postgres_url) == 2  # moved later, by VACUUM or a longer list
        assert matching(postgres_url, "yak") == ["a", "b"]
    finally:
        writer.dispose()
        with owner.begin() as connection:  # its grants are in this database
            connection.execute(text(f"DROP OWNED BY {role}"))
        owner.dispose()
        with postgres_server.connect() as connection:
            connection.execute(text(f"DROP ROLE {role}"))


def test_a_failing_run_writes_nothing(
    postgres_url: str, load: Ingest, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_db_engine(postgres_url)
    ingest(engine, [SEED])
    from app.ingest import command as ingest_command  # noqa: PLC0415

    monkeypatch.setattr(ingest_command, "BATCH_SIZE", 1)
    calls = 0

    def fail_on_the_second_batch(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the machine died")
        return upsert_batch(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("app.ingest.command.upsert_batch", fail_on_the_second_batch)
    with pytest.raises(RuntimeError, match="the machine died"):
        load({"a": seed_text("2025-01-01", "A", "B."), "b": seed_text("2025-01-02", "C", "D.")})
    with engine.connect() as connection:
        assert connection.execute(
            text("SELECT external_id FROM press_release")
        ).scalars().all() == ["000_58c17a29ac5caa8f"]
    engine.dispose()


def test_a_release_too_wordy_for_a_tsvector_is_rejected_and_the_run_kept(
    postgres_url: str, write_seeds: Any
) -> None:
    # 160,000 distinct words: more than the 1 MB a tsvector holds (SQLite has no such limit)
    words = (
        "zq" + "".join(letters) for letters in itertools.product(string.ascii_lowercase, repeat=4)
    )
    wordy = " ".join(itertools.islice(words, 160_000))
    folder = write_seeds(
        {
            "a": seed_text("2025-01-01", "Before", "A short release."),
            "wordy": seed_text("2025-01-02", "Wordy", wordy),
            "z": seed_text("2025-01-03", "After", "Another short release."),
        }
    )
    engine = create_db_engine(postgres_url)
    report = ingest(engine, [folder])
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT external_id FROM press_release ORDER BY id"))
        indexed = connection.execute(text("SELECT count(*) FROM press_release_search")).scalar()
        assert (list(stored.scalars()), indexed) == (["a", "z"], 2)
    engine.dispose()
    assert (report.added, report.exit_status) == (2, 1)
    assert [(Path(r.path).name, r.reason) for r in report.rejections] == [
        ("wordy.txt", TOO_MANY_WORDS)
    ]


def test_timestamps_read_in_utc_whatever_the_session_zone(
    postgres_url: str, load: Ingest, engine: Engine
) -> None:
    """A serving connection whose session time zone is not UTC reads timestamps in UTC, as
    SQLModel's UTCDateTime does through SQLAlchemy (app/reads.py)."""
    load({SEED.stem: SEED.read_text()}, language="en")
    with engine.begin() as connection:
        connection.execute(text("UPDATE press_release SET updated_at = '2026-01-01 05:00+05'"))
    reader = create_db_engine(postgres_url, read_only=True)
    pooled = reader.raw_connection()
    try:
        pooled.cursor().execute("SET TIME ZONE 'Asia/Almaty'")
        release = get_release(Snapshot(pooled.dbapi_connection, reader.dialect), key="1")
    finally:
        pooled.close()
        reader.dispose()
    assert release is not None
    assert release["updated_at"] == datetime(2026, 1, 1, tzinfo=UTC)
    assert release["updated_at"].tzinfo is UTC


def test_change_numbers_follow_commit_order_between_two_writers(
    postgres_url: str, load: Ingest
) -> None:
    """Two writers at once: the one that commits first has the lower numbers, and the other
    cannot commit a higher number while the first is still open (it waits on the log's lock),
    so a reader of the feed never sees change N+1 before change N."""
    load({"a": seed_text("2025-01-01", "A", "Alpha."), "b": seed_text("2025-01-02", "B", "Beta.")})
    engine = create_db_engine(postgres_url)
    now = datetime.now(UTC)
    early, late = engine.connect(), engine.connect()
    try:
        late_transaction = late.begin()
        late_log = ChangeLog(late)
        late_log.note(ChangeKind.UPDATED, [2], now)  # noted first, committed last
        early_transaction = early.begin()
        early_log = ChangeLog(early)
        early_log.note(ChangeKind.UPDATED, [1], now)
        early_log.publish()  # numbered: the log is locked until this transaction ends
        late_pid = late.exec_driver_sql("SELECT pg_backend_pid()").scalar()

        def publish_late() -> None:
            late_log.publish()
            late_transaction.commit()

        writer = threading.Thread(target=publish_late)
        writer.start()
        with engine.connect() as watcher:
            for _ in range(500):  # until the late writer waits on the lock (a few ms)
                waiting = watcher.execute(
                    text("SELECT count(*) FROM pg_locks WHERE pid = :pid AND NOT granted"),
                    {"pid": late_pid},
                ).scalar()
                if waiting:
                    break
                time.sleep(0.01)
            assert waiting == 1
            committed = "SELECT seq, release_id, kind FROM press_release_change ORDER BY seq"
            assert watcher.execute(text(committed)).all() == [(1, 1, "created"), (2, 2, "created")]
            early_transaction.commit()
            writer.join(timeout=30)
            assert not writer.is_alive()
            assert watcher.execute(text(committed)).all() == [
                (1, 1, "created"),
                (2, 2, "created"),
                (3, 1, "updated"),
                (4, 2, "updated"),
            ]
    finally:
        early.close()
        late.close()
        engine.dispose()
