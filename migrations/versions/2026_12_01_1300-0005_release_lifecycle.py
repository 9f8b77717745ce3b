"""A release's life: its version and earlier versions, its state (published, withdrawn, purged),
and the change log that the change feed reads. The sort indexes become partial, holding published
releases only. Every release already stored gets version 1 and one `created` change, in the order
it was first ingested, so that a mirror replaying the feed from the start holds the whole archive.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORT_INDEXES = {
    "ix_press_release_published_on_id_source_language": [
        "published_on",
        "id",
        "source",
        "language",
    ],
    "ix_press_release_source_published_on_id": ["source", "published_on", "id"],
    "ix_press_release_language_published_on_id": ["language", "published_on", "id"],
}
PUBLISHED = sa.text("state = 'published'")
NOT_PUBLISHED = sa.text("state <> 'published'")
BACKFILL = (
    "INSERT INTO press_release_change (seq, release_id, kind, at) "
    "SELECT row_number() OVER (ORDER BY ingested_at, id), id, 'created', ingested_at "
    "FROM press_release"
)


def COLUMNS() -> list[sa.Column[object]]:  # noqa: N802  (a constant, made afresh for each use)
    return [
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=9), server_default="published", nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
    ]


def _sort_indexes(where: sa.TextClause | None) -> None:
    for name, columns in SORT_INDEXES.items():
        op.drop_index(name, table_name="press_release")
        op.create_index(name, "press_release", columns, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    # ALTER TABLE … ADD COLUMN on both engines: no copy of the table (SQLite's batch mode would
    # rebuild it, and with it every row's id that the full-text index is keyed by).
    for column in COLUMNS():
        op.add_column("press_release", column)
    _sort_indexes(PUBLISHED)
    op.create_index(
        "ix_press_release_withdrawn_at",
        "press_release",
        ["withdrawn_at"],
        sqlite_where=NOT_PUBLISHED,
        postgresql_where=NOT_PUBLISHED,
    )
    op.create_table(
        "press_release_version",
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("lead", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["press_release.id"],
            name="fk_press_release_version_release_id_press_release",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("release_id", "version", name="pk_press_release_version"),
    )
    op.create_table(
        "press_release_change",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=9), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["press_release.id"],
            name="fk_press_release_change_release_id_press_release",
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_press_release_change"),
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("press_release_change")
    op.drop_table("press_release_version")
    # Before 0005 every row is published: a withdrawn or purged release leaves, so that the
    # downgrade never publishes it again (the full-text index holds neither already).
    op.execute(
        "DELETE FROM press_release_passage WHERE release_id IN "
        "(SELECT id FROM press_release WHERE state <> 'published')"
    )
    op.execute("DELETE FROM press_release WHERE state <> 'published'")
    op.drop_index("ix_press_release_withdrawn_at", table_name="press_release")
    _sort_indexes(None)
    for column in reversed(COLUMNS()):
        op.drop_column("press_release", column.name)
