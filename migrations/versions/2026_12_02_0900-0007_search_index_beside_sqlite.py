"""SQLite searches the index beside its file (app/search/side_index.py) instead of FTS5: the FTS5
table of whole releases and its vocabulary go (the passage index of long releases stays, for
snippets), and the index is made here from the stored releases, with the vocabulary and the
passage index, as `pressroom reindex` makes them. PostgreSQL is unchanged.

The index is committed before the migration's transaction: it holds what the table holds, which
this migration does not change, so a migration that fails after it leaves an index that is still
the table's (and the next upgrade makes it again).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from app.search import side_index
from app.search.index import reindex

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = ["DROP TABLE press_release_fts_vocab", "DROP TABLE press_release_fts"]
# The tables as 0004 made them, empty: with the analyser's version forgotten, the Pressroom of
# 0006 rebuilds them at its `pressroom migrate` (or `pressroom reindex`).
SQLITE_DOWN = [
    "CREATE VIRTUAL TABLE press_release_fts USING fts5(title, body, content='', tokenize='ascii')",
    "INSERT INTO press_release_fts(press_release_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0)')",
    "CREATE VIRTUAL TABLE press_release_fts_vocab USING fts5vocab(press_release_fts, row)",
    "DELETE FROM search_analyser",
]
_LAST_CHANGE = text("SELECT coalesce(max(seq), 0) FROM press_release_change")


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    for statement in SQLITE_UP:
        op.execute(statement)
    with side_index.writing(connection, catch_up=False) as writes:
        assert writes is not None  # noqa: S101  (SQLite)
        reindex(connection)
        writes.commit(connection.execute(_LAST_CHANGE).scalar_one())


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
