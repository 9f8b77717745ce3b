"""press_release_passage: the passages of long releases, each in the full-text index on its own,
so that a snippet is cut from one passage rather than from a whole long body; on SQLite,
press_release rebuilt with its body as the last column

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.search.passages import LONG_BODY_CHARS, passage_rows

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same tokenizer as press_release_fts, and the same external-content recipe: the passages'
# text stays in press_release_passage, kept in the index by triggers (passages are few: only long
# releases have them, so ingestion leaves these triggers on).
SQLITE_FTS_UP = [
    """
    CREATE VIRTUAL TABLE press_release_passage_fts USING fts5(
        body,
        content='press_release_passage', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER press_release_passage_ai AFTER INSERT ON press_release_passage BEGIN
        INSERT INTO press_release_passage_fts(rowid, body) VALUES (new.id, new.body);
    END
    """,
    """
    CREATE TRIGGER press_release_passage_ad AFTER DELETE ON press_release_passage BEGIN
        INSERT INTO press_release_passage_fts(press_release_passage_fts, rowid, body)
        VALUES ('delete', old.id, old.body);
    END
    """,
    """
    CREATE TRIGGER press_release_passage_au AFTER UPDATE OF body ON press_release_passage BEGIN
        INSERT INTO press_release_passage_fts(press_release_passage_fts, rowid, body)
        VALUES ('delete', old.id, old.body);
        INSERT INTO press_release_passage_fts(rowid, body) VALUES (new.id, new.body);
    END
    """,
]
SQLITE_FTS_DOWN = [
    "DROP TRIGGER press_release_passage_au",
    "DROP TRIGGER press_release_passage_ad",
    "DROP TRIGGER press_release_passage_ai",
    "DROP TABLE press_release_passage_fts",
]
# A passage is a few KB: its tsvector is generated beside it and read by primary key (a release's
# passages are one id range), so it needs no GIN index.
POSTGRES_FTS_UP = [
    """
    ALTER TABLE press_release_passage ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('pressroom'::regconfig, body)) STORED
    """,
]
POSTGRES_FTS_DOWN = ["ALTER TABLE press_release_passage DROP COLUMN search_vector"]


def _by_dialect(sqlite: list[str], postgresql: list[str]) -> list[str]:
    dialect = op.get_bind().dialect.name
    return {"sqlite": sqlite, "postgresql": postgresql}.get(dialect, [])


COLUMNS = [
    "id",
    "external_id",
    "slug",
    "title",
    "published_on",
    "source",
    "language",
    "lead",
    "word_count",
    "content_hash",
    "ingested_at",
    "updated_at",
    "body",
]


def _body_last() -> None:
    """SQLite stores a row's values in column order, and to read one that comes after a long body
    it walks every overflow page of the body (0.7 ms to reach the lead of a 4.5 MB release, on
    every list or search page that shows it). So the table is rebuilt with the body last, by
    SQLite's recipe: a new table, the rows copied (ids kept, so the FTS index stays right), the old
    one dropped, the new one renamed, and its indexes and triggers made again from their own SQL.
    Nothing references the table yet (press_release_passage comes after), so the drop cascades
    nowhere."""
    connection = op.get_bind()
    saved = (
        connection.execute(
            sa.text(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'press_release' "
                "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name"
            )
        )
        .scalars()
        .all()
    )
    op.create_table(
        "press_release_new",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("lead", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_press_release"),
        sa.UniqueConstraint("external_id", name="uq_press_release_external_id"),
        sa.UniqueConstraint("slug", name="uq_press_release_slug"),
    )
    columns = ", ".join(COLUMNS)
    op.execute(f"INSERT INTO press_release_new ({columns}) SELECT {columns} FROM press_release")
    op.execute("DROP TABLE press_release")
    op.execute("ALTER TABLE press_release_new RENAME TO press_release")
    for statement in saved:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _body_last()
    passage = op.create_table(
        "press_release_passage",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["press_release.id"],
            name="fk_press_release_passage_release_id_press_release",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_press_release_passage"),
    )
    op.create_index("ix_press_release_passage_release_id", "press_release_passage", ["release_id"])
    for statement in _by_dialect(SQLITE_FTS_UP, POSTGRES_FTS_UP):
        op.execute(statement)
    # The long releases already stored get their passages now, as ingestion gives them.
    connection = op.get_bind()
    long_ones = sa.text("SELECT id FROM press_release WHERE length(body) > :chars ORDER BY id")
    body = sa.text("SELECT body FROM press_release WHERE id = :id")
    for release_id in connection.execute(long_ones, {"chars": LONG_BODY_CHARS}).scalars().all():
        text = connection.execute(body, {"id": release_id}).scalar_one()
        op.bulk_insert(passage, passage_rows(release_id, text))


def downgrade() -> None:
    for statement in _by_dialect(SQLITE_FTS_DOWN, POSTGRES_FTS_DOWN):
        op.execute(statement)
    op.drop_index("ix_press_release_passage_release_id", table_name="press_release_passage")
    op.drop_table("press_release_passage")
