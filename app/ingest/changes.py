"""Writing the change log (table press_release_change), which the change feed serves.

A writer notes its changes as it makes them, in a temporary table of the transaction, and numbers
them only as it is about to commit (`publish`). The numbers must follow commit order: a client of
the feed that has read up to change N must never see a change below N commit later. On SQLite one
writer holds the database at a time, so any numbering in the transaction does. On PostgreSQL two
ingests run at once: a number drawn from a sequence as each change is written would let the later
ingest commit a higher number first. So `publish` locks the log against other writers (readers are
not blocked), takes the next numbers after the highest committed one, and the lock is held until
the transaction commits: the next writer's numbers come after, and only once this one is visible.
The wait is one statement and a commit long, never a whole ingest, since the lock is taken last.
In READ COMMITTED (PostgreSQL's default, which the writers keep) the statement that reads the
highest number runs after the lock is granted, so it sees what the writer before committed.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    text,
)

from app.models import ChangeKind

pending = Table(
    "pending_change",
    MetaData(),
    Column("ordinal", BigInteger, primary_key=True, autoincrement=False),
    Column("release_id", Integer, nullable=False),
    Column("kind", String(9), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    prefixes=["TEMPORARY"],
)

Change = tuple[int, ChangeKind, datetime]  # release id, what happened, when

_LOCK = text("LOCK TABLE press_release_change IN EXCLUSIVE MODE")
_PUBLISH = text(
    "INSERT INTO press_release_change (seq, release_id, kind, at) "
    "SELECT (SELECT coalesce(max(seq), 0) FROM press_release_change) + ordinal, "
    "release_id, kind, at FROM pending_change ORDER BY ordinal"
)


class ChangeLog:
    """The changes of one writer's transaction, from `open` to `publish`."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.count = 0
        pending.create(connection)

    def note(self, changes: Iterable[Change]) -> None:
        rows = [
            {"ordinal": self.count + n, "release_id": id_, "kind": kind.value, "at": at}
            for n, (id_, kind, at) in enumerate(changes, start=1)
        ]
        if rows:
            self.connection.execute(insert(pending), rows)
            self.count += len(rows)

    def publish(self) -> int:
        """Append the noted changes to the log, numbered after every committed one; the caller
        commits next (on PostgreSQL the log stays locked to other writers until it does). How
        many changes were published."""
        if self.count:
            if self.connection.dialect.name == "postgresql":
                self.connection.execute(_LOCK)
            self.connection.execute(_PUBLISH)
        pending.drop(self.connection)
        return self.count
