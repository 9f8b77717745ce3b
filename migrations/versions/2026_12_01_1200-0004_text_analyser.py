"""The full-text index holds the text analyser's output (app/text) on both engines: contentless
FTS5 tables with a plain tokenizer on SQLite, tsvectors built by the analyser on PostgreSQL, both
written by app/search/index.py instead of triggers; the analyser's version recorded beside them.
Upgrading analyses every stored release again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence
from types import ModuleType

from alembic import context, op
from alembic.script import ScriptDirectory

from app.search.index import ALL_IDS, reindex

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Contentless: the text stays in press_release only; the index holds the analysed words, which its
# `ascii` tokenizer splits on the spaces between them and nothing else (the analyser's words are
# letters, digits and non-ASCII characters: app/text/words.py).
SQLITE_UP = [
    "DROP TRIGGER press_release_ai",
    "DROP TRIGGER press_release_ad",
    "DROP TRIGGER press_release_au",
    "DROP TRIGGER press_release_passage_ai",
    "DROP TRIGGER press_release_passage_ad",
    "DROP TRIGGER press_release_passage_au",
    "DROP TABLE press_release_fts_vocab",
    "DROP TABLE press_release_fts",
    "DROP TABLE press_release_passage_fts",
    "CREATE VIRTUAL TABLE press_release_fts USING fts5(title, body, content='', tokenize='ascii')",
    # Title matches weigh ten times body matches, as before.
    "INSERT INTO press_release_fts(press_release_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
    "CREATE VIRTUAL TABLE press_release_passage_fts USING fts5(body, content='', tokenize='ascii')",
    "CREATE VIRTUAL TABLE press_release_fts_vocab USING fts5vocab(press_release_fts, row)",
]
SQLITE_DOWN = [
    "DROP TABLE press_release_fts_vocab",
    "DROP TABLE press_release_fts",
    "DROP TABLE press_release_passage_fts",
]
POSTGRES_UP = [
    "DROP TRIGGER press_release_search_au ON press_release",
    "DROP TRIGGER press_release_search_ai ON press_release",
    "DROP FUNCTION press_release_search_update()",
    "DROP FUNCTION press_release_search_insert()",
    "ALTER TABLE press_release_passage DROP COLUMN search_vector",
    "ALTER TABLE press_release_passage ADD COLUMN search_vector tsvector",
]
VERSION_UP = ["CREATE TABLE search_analyser (version text NOT NULL)"]
VERSION_DOWN = ["DROP TABLE search_analyser"]


def _revision(name: str) -> ModuleType:
    """An earlier revision's module: the downgrade puts back what it made, from its own SQL."""
    script = ScriptDirectory.from_config(context.config).get_revision(name)
    assert script is not None  # noqa: S101  (the revisions this one follows are in the repository)
    return script.module


def _execute(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _execute((SQLITE_UP if sqlite else POSTGRES_UP) + VERSION_UP)
    reindex(op.get_bind(), releases=ALL_IDS)  # before 0005, every release is published


def downgrade() -> None:
    _execute(VERSION_DOWN)
    first, passages, vocabulary = (_revision(name) for name in ("0001", "0002", "0003"))
    if op.get_bind().dialect.name == "sqlite":
        _execute(SQLITE_DOWN + first.SQLITE_FTS_UP + passages.SQLITE_FTS_UP + vocabulary.SQLITE_UP)
        _execute(
            [
                "INSERT INTO press_release_fts(press_release_fts) VALUES ('rebuild')",
                "INSERT INTO press_release_passage_fts(press_release_passage_fts) "
                "VALUES ('rebuild')",
            ]
        )
        return
    triggers = [
        statement
        for statement in vocabulary.POSTGRES_UP
        if statement.lstrip().startswith(("CREATE FUNCTION", "CREATE TRIGGER"))
    ]
    _execute(triggers)
    _execute(
        [
            "UPDATE press_release_search AS s SET search_vector = "
            f"{vocabulary.VECTOR.format('r')} FROM press_release AS r WHERE r.id = s.id",
            "ALTER TABLE press_release_passage DROP COLUMN search_vector",
            *passages.POSTGRES_FTS_UP,
            "TRUNCATE search_term",
            *[s for s in vocabulary.POSTGRES_UP if s.startswith("INSERT INTO search_term")],
        ]
    )
