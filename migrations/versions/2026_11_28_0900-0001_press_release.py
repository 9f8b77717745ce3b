"""press_release table, its indexes, and its full-text index: FTS5 kept by triggers on SQLite,
a generated tsvector with a GIN index on PostgreSQL

Revision ID: 0001
Revises:
Create Date: 2026-11-28 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# External-content FTS5 (the sqlite-utils recipe): the index stores only tokens; the text stays in
# press_release. `porter` stems English; `unicode61 remove_diacritics 2` folds case and diacritics
# for every script, so Cyrillic words match by their exact (case-folded) forms.
SQLITE_FTS_UP = [
    """
    CREATE VIRTUAL TABLE press_release_fts USING fts5(
        title, body,
        content='press_release', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    # Title matches weigh ten times body matches; `ORDER BY rank` then uses these weights.
    "INSERT INTO press_release_fts(press_release_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
    # The trigger idiom for external content: a 'delete' row must carry the OLD values, so FTS5 can
    # find the tokens to remove.
    """
    CREATE TRIGGER press_release_ai AFTER INSERT ON press_release BEGIN
        INSERT INTO press_release_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
    """
    CREATE TRIGGER press_release_ad AFTER DELETE ON press_release BEGIN
        INSERT INTO press_release_fts(press_release_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END
    """,
    """
    CREATE TRIGGER press_release_au AFTER UPDATE OF title, body ON press_release BEGIN
        INSERT INTO press_release_fts(press_release_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO press_release_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END
    """,
]
# PostgreSQL: a text search configuration `pressroom` (English stemming, diacritics removed by
# unaccent) and a generated, weighted tsvector (title A above body B) with a GIN index. unaccent is
# only STABLE, so it cannot appear in a generated column's expression; as a dictionary of a text
# search configuration it can, and to_tsvector with a constant configuration stays IMMUTABLE.
POSTGRES_FTS_UP = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION pressroom (COPY = english)",
    "ALTER TEXT SEARCH CONFIGURATION pressroom "
    "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem",
    """
    ALTER TABLE press_release ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('pressroom'::regconfig, title), 'A')
        || setweight(to_tsvector('pressroom'::regconfig, body), 'B')
    ) STORED
    """,
    "CREATE INDEX ix_press_release_search_vector ON press_release USING gin (search_vector)",
]
POSTGRES_FTS_DOWN = [
    "DROP INDEX ix_press_release_search_vector",
    "ALTER TABLE press_release DROP COLUMN search_vector",
    "DROP TEXT SEARCH CONFIGURATION pressroom",
    # unaccent stays: other schemas of the database may use it
]
SQLITE_FTS_DOWN = [
    "DROP TRIGGER press_release_au",
    "DROP TRIGGER press_release_ad",
    "DROP TRIGGER press_release_ai",
    "DROP TABLE press_release_fts",
]


def _by_dialect(sqlite: list[str], postgresql: list[str]) -> list[str]:
    dialect = op.get_bind().dialect.name
    return {"sqlite": sqlite, "postgresql": postgresql}.get(dialect, [])


def upgrade() -> None:
    op.create_table(
        "press_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("lead", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_press_release"),
        sa.UniqueConstraint("external_id", name="uq_press_release_external_id"),
        sa.UniqueConstraint("slug", name="uq_press_release_slug"),
    )
    op.create_index(
        "ix_press_release_published_on_id_source_language",
        "press_release",
        ["published_on", "id", "source", "language"],
    )
    op.create_index(
        "ix_press_release_source_published_on_id", "press_release", ["source", "published_on", "id"]
    )
    op.create_index(
        "ix_press_release_language_published_on_id",
        "press_release",
        ["language", "published_on", "id"],
    )
    for statement in _by_dialect(SQLITE_FTS_UP, POSTGRES_FTS_UP):
        op.execute(statement)


def downgrade() -> None:
    for statement in _by_dialect(SQLITE_FTS_DOWN, POSTGRES_FTS_DOWN):
        op.execute(statement)
    op.drop_index("ix_press_release_language_published_on_id", table_name="press_release")
    op.drop_index("ix_press_release_source_published_on_id", table_name="press_release")
    op.drop_index("ix_press_release_published_on_id_source_language", table_name="press_release")
    op.drop_table("press_release")
