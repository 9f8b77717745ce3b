"""Migrations own the whole schema: tables, indexes, the FTS5 index, up and down; upgrading to the
analysed index (0004) analyses the stored releases, and downgrading puts the old index back."""

import sqlite3
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import create_db_engine
from app.models import PressRelease
from app.schema_version import alembic_config
from tests.fixtures.search_index import dictionary, index_match

TABLES = {
    "alembic_version",
    "press_release",
    "press_release_passage",
    "press_release_passage_fts",
    "press_release_passage_fts_config",
    "press_release_passage_fts_data",
    "press_release_passage_fts_docsize",
    "press_release_passage_fts_idx",
    "press_release_version",
    "press_release_change",
    "press_release_link",
    "press_release_band",
    "press_release_translation_of",
    "search_analyser",
    "search_term",
}
INDEXES = {
    "ix_press_release_language_published_on_id",
    "ix_press_release_published_on_id_source_language",
    "ix_press_release_source_published_on_id",
    "ix_press_release_passage_release_id",
    "ix_press_release_withdrawn_at",
    "ix_press_release_translation_of_external_id",
    # behind the primary keys of the version table (two columns) and the change log
    "sqlite_autoindex_press_release_version_1",
    # SQLite's own indexes behind the primary key of alembic_version and the two UNIQUE constraints
    "sqlite_autoindex_alembic_version_1",
    "sqlite_autoindex_press_release_1",
    "sqlite_autoindex_press_release_2",
}
# Up to 0003 triggers kept the index; from 0004 the application writes it (app/search/index.py).
TRIGGERS_0003 = {
    "press_release_ai",
    "press_release_ad",
    "press_release_au",
    "press_release_passage_ai",
    "press_release_passage_ad",
    "press_release_passage_au",
}


def schema(path: Path) -> dict[str, set[str]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT type, name FROM sqlite_master").fetchall()
    found: dict[str, set[str]] = {"table": set(), "index": set(), "trigger": set()}
    for type_, name in rows:
        found[type_].add(name)
    return found


def test_upgrade_downgrade_upgrade_on_a_fresh_file(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    config = alembic_config(f"sqlite:///{path}")
    expected = {"table": TABLES, "index": INDEXES, "trigger": set()}

    command.upgrade(config, "head")
    assert schema(path) == expected

    command.downgrade(config, "base")
    assert schema(path) == {
        "table": {"alembic_version"},
        "index": {"sqlite_autoindex_alembic_version_1"},
        "trigger": set(),
    }

    command.upgrade(config, "head")
    assert schema(path) == expected
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0007",)
        ]
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def _not_the_fts_index(_object: object, name: str | None, type_: str, *_: object) -> bool:
    """The full-text index is raw SQL in the migration, on purpose (as in migrations/env.py)."""
    fts = str(name).startswith(("press_release_fts", "press_release_passage_fts"))
    fts = fts or name in (
        "ix_press_release_search_vector",
        "search_term",
        "press_release_search",
        "search_analyser",
    )
    return not (fts or (type_ == "column" and name == "search_vector"))


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = create_db_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": _not_the_fts_index}
        )
        assert compare_metadata(context, PressRelease.metadata) == []
    engine.dispose()


def test_the_upgrade_analyses_the_stored_releases_and_the_downgrade_restores_the_old_index(
    tmp_path: Path,
) -> None:
    path = tmp_path / "upgraded.db"
    config = alembic_config(f"sqlite:///{path}")
    command.upgrade(config, "0003")
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO press_release (id, external_id, slug, title, published_on, language, "
            "body, lead, word_count, content_hash, ingested_at, updated_at) VALUES (7, 'x', 's', "
            "'Встреча в Астане', '2025-01-01', 'ru', 'Переговоры с Казахстаном', 'Переговоры', 3, "
            "'h', '2025-01-01', '2025-01-01')"
        )

    def match(expression: str) -> list[int]:
        with sqlite3.connect(path) as db:
            query = "SELECT rowid FROM press_release_fts WHERE press_release_fts MATCH ?"
            return [row[0] for row in db.execute(query, (expression,))]

    # 0003 indexed the words as written: only the exact form finds them
    assert (match("казахстаном"), match("казахстан")) == ([7], [])
    command.upgrade(config, "head")
    # the index beside the file (0007) holds the analyser's base forms of the row already stored
    engine = create_db_engine(f"sqlite:///{path}")
    found = [index_match(engine, word) for word in ("Казахстаном", "Астане", "казахстан")]
    engine.dispose()
    assert found == [[7], [7], [7]]
    assert "казахстаном" not in dictionary(path)
    assert {"казахстан", "астана"} <= set(dictionary(path))
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM search_analyser").fetchone() == (1,)
        assert db.execute(
            "SELECT count(*) FROM search_term WHERE term = 'казахстан'"
        ).fetchone() == (1,)

    command.downgrade(config, "0003")
    assert schema(path)["trigger"] == TRIGGERS_0003
    assert (match("казахстаном"), match("казахстан")) == ([7], [])
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO press_release_fts(press_release_fts) VALUES ('integrity-check')")


def test_the_lifecycle_upgrade_gives_every_stored_release_a_version_and_a_created_change(
    tmp_path: Path,
) -> None:
    path = tmp_path / "lifecycle.db"
    config = alembic_config(f"sqlite:///{path}")
    command.upgrade(config, "0004")
    with sqlite3.connect(path) as db:
        for id_, ingested in ((1, "2025-01-02 00:00:00.000000"), (2, "2025-01-01 00:00:00.000000")):
            db.execute(
                "INSERT INTO press_release (id, external_id, slug, title, published_on, body, "
                "lead, word_count, content_hash, ingested_at, updated_at) VALUES "
                "(?, ?, ?, 'T', '2025-01-01', 'B', 'B', 1, 'h', ?, ?)",
                (id_, f"e{id_}", f"s{id_}", ingested, ingested),
            )
    command.upgrade(config, "head")
    with sqlite3.connect(path) as db:
        assert db.execute(
            "SELECT id, version, state FROM press_release ORDER BY id"
        ).fetchall() == [
            (1, 1, "published"),
            (2, 1, "published"),
        ]
        # first ingested, first in the log
        assert db.execute(
            "SELECT seq, release_id, kind, at FROM press_release_change"
        ).fetchall() == [
            (1, 2, "created", "2025-01-01 00:00:00.000000"),
            (2, 1, "created", "2025-01-02 00:00:00.000000"),
        ]
        db.execute("UPDATE press_release SET state = 'withdrawn' WHERE id = 2")
    command.downgrade(config, "0004")  # a withdrawn release is not published again by it
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT id FROM press_release").fetchall() == [(1,)]
