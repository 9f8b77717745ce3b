"""Links between releases: translations (stated by the input, or found) and near-duplicates,
one row each way; the MinHash bands near-duplicates are found by; the translations the input
states before the release they name has arrived; and, on SQLite, the vocabulary of the index
that PostgreSQL has had since 0003 (`search_term`), for "did you mean". The releases already
stored are banded and linked, as an ingest of all of them would (app/ingest/links.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.ingest.links import link_archive

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# SQLite gets the vocabulary PostgreSQL has had since 0003, from the FTS index's own.
SQLITE_UP = [
    "CREATE TABLE search_term (term TEXT NOT NULL, CONSTRAINT pk_search_term PRIMARY KEY (term)) "
    "WITHOUT ROWID",
    "INSERT INTO search_term (term) SELECT term FROM press_release_fts_vocab",
]


def _release_id(table: str, **kwargs: object) -> sa.Column[int]:
    return sa.Column(
        "release_id",
        sa.Integer(),
        sa.ForeignKey(
            "press_release.id",
            name=f"fk_{table}_release_id_press_release",
            ondelete="CASCADE",
        ),
        nullable=False,
        **kwargs,  # type: ignore[arg-type]
    )


def upgrade() -> None:
    op.create_table(
        "press_release_link",
        _release_id("press_release_link"),
        sa.Column("kind", sa.String(length=11), nullable=False),
        sa.Column(
            "other_id",
            sa.Integer(),
            sa.ForeignKey(
                "press_release.id",
                name="fk_press_release_link_other_id_press_release",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("stated", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("release_id", "kind", "other_id", name="pk_press_release_link"),
        sqlite_with_rowid=False,  # the primary key is the table: one B-tree to write, not two
    )
    # no foreign key and no index but the primary key: see app/models.py's PressReleaseBand
    op.create_table(
        "press_release_band",
        sa.Column("band", sa.BigInteger(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("band", "release_id", name="pk_press_release_band"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "press_release_translation_of",
        _release_id("press_release_translation_of", primary_key=True),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("release_id", name="pk_press_release_translation_of"),
    )
    op.create_index(
        "ix_press_release_translation_of_external_id",
        "press_release_translation_of",
        ["external_id"],
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
    link_archive(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_term")
    op.drop_table("press_release_translation_of")
    op.drop_table("press_release_band")
    op.drop_table("press_release_link")
