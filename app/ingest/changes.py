"""Writing the change log (table press_release_change), which the change feed serves.

The numbers (`seq`) must follow commit order: a client of the feed that has read up to change N
must never see a change below N commit later.

- SQLite has one writer at a time, holding the database from its first statement to its commit
  (app/db.py begins every writer IMMEDIATE): a writer numbers its changes as it makes them, after
  the highest number in the log when it began.
- PostgreSQL runs two ingests at once, so a number drawn as each change is written would let the
  later ingest commit a higher number first. A writer notes its changes in a temporary table and
  numbers them only as it is about to commit (`publish`): it locks the log against other writers
  (readers are not blocked), takes the numbers after the highest committed one, and holds the lock
  until it commits. The next writer's numbers come after, and only once this one is visible. The
  wait is one statement and a commit long, never a whole ingest, since the lock is taken last
  (and, taken after every row a writer changes, it closes no cycle with the rows' locks). In
  READ COMMITTED (PostgreSQL's default, which the writers keep) the statement that reads the
  highest number runs after the lock is granted, so it sees what the writer before committed.
"""

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Insert,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    text,
)

from app.models import ChangeKind, press_release, press_release_change
from app.reads import member_of

c = press_release.c

pending = Table(
    "pending_change",
    MetaData(),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),  # 1, 2, … in this run
    Column("release_id", Integer, nullable=False),
    Column("kind", String(9), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    prefixes=["TEMPORARY"],
)

_HIGHEST = select(func.coalesce(func.max(press_release_change.c.seq), 0))
_LOCK = text("LOCK TABLE press_release_change IN EXCLUSIVE MODE")
_PUBLISH = text(
    "INSERT INTO press_release_change (seq, release_id, kind, at) "
    "SELECT (SELECT coalesce(max(seq), 0) FROM press_release_change) + seq, "
    "release_id, kind, at FROM pending_change ORDER BY seq"
)


@cache
def _noting(table: Table) -> Insert:
    """Into `table`, a change of each release of the list `ids`, numbered from `first`."""
    number = bindparam("first", type_=BigInteger) + func.row_number().over(order_by=c.id) - 1
    return insert(table).from_select(
        ["seq", "release_id", "kind", "at"],
        select(
            number,
            c.id,
            bindparam("kind", type_=String),
            bindparam("at", type_=DateTime(timezone=True)),
        ).where(member_of(c.id, "ids")),
    )


class ChangeLog:
    """The changes of one writer's transaction, from its making to `publish`."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.count = 0
        self.deferred = connection.dialect.name == "postgresql"
        self.base = 0
        if self.deferred:
            pending.create(connection)
            self.statement = _noting(pending)
        else:
            self.base = connection.execute(_HIGHEST).scalar_one()
            self.statement = _noting(press_release_change)

    def note(self, kind: ChangeKind, ids: Sequence[int], at: datetime) -> None:
        """The same change of these releases (all stored), at `at`: numbered in id order. One
        statement, whatever their number (a row each through Core's executemany cost an
        ingest 2%)."""
        if ids:
            first = self.base + self.count + 1
            params = {"first": first, "kind": kind.value, "at": at, "ids": list(ids)}
            self.connection.execute(self.statement, params)
            self.count += len(ids)

    def publish(self) -> int:
        """The noted changes in the log, numbered after every committed one; the caller commits
        next (on PostgreSQL the log stays locked to other writers until it does). How many
        changes were published."""
        if self.deferred:
            if self.count:
                self.connection.execute(_LOCK)
                self.connection.execute(_PUBLISH)
            pending.drop(self.connection)
        return self.count
