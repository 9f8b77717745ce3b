"""The serving path's road to the database: SQLAlchemy Core writes each statement's SQL once per
engine (`ClauseElement.compile`, its documented API), and the driver runs it (DB-API `execute`
with named parameters) in one read-only snapshot per request. Nothing in between.

Why not SQLAlchemy's `Connection.execute`: on the bench archive a detail read costs 18 to 21 µs
this way and 76 to 88 µs through a held `Connection` (its transaction events, execution context
and result machinery); a page of the list 77 to 80 µs against 209 to 213 (2026-12-01, SQLAlchemy
2.1.9, 5,000 reads each), when a whole detail request costs about 200 µs in-process.
Ingestion and migrations, where that machinery pays for itself, use `Connection` throughout.

So the values cross the driver as the driver takes them, in this module alone, per engine:

- SQLite keeps dates and timestamps as ISO text (how SQLAlchemy wrote them at ingest): a bound
  `date` or `datetime` is sent as that text, and a date or timestamp column read back is parsed
  from it, in UTC where the column has a zone (SQLModel's UTCDateTime, whose rule this follows).
- A list is one bound value, never a list of placeholders, so a statement's SQL does not depend on
  its values: `member_of(column, name)` reads JSON text through `json_each` on SQLite and an array
  through `= ANY(…)` on PostgreSQL (psycopg sends a list as an array).

tests/test_reads.py runs every serving statement both ways, here and through `Connection.execute`,
and compares the rows.

Where the reads run (the event loop, or a thread) is app/reader.py's business; what they remember
between requests, app/totals.py's.
"""

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Dialect,
    Select,
    TextualSelect,
    bindparam,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import NullType, TypeDecorator, TypeEngine

from app.totals import Totals

Row = dict[str, Any]


class ReadFailed(Exception):
    """The driver refused or stopped a read. `error` is the driver's own exception."""

    def __init__(self, error: Exception, sql: str | None = None) -> None:
        super().__init__(f"{error} (while running {sql!r})" if sql else str(error))
        self.error = error

    @property
    def timed_out(self) -> bool:
        """SQLite's interrupt (the progress handler) or PostgreSQL's statement_timeout (57014)."""
        return "interrupted" in str(self.error) or getattr(self.error, "sqlstate", None) == "57014"

    @property
    def locked(self) -> bool:
        """A wait for SQLite's lock that ran out (busy_timeout)."""
        return "database is locked" in str(self.error)


class _ValueList(TypeDecorator[Any]):
    """A list bound as one value: JSON text on SQLite, for json_each; an array on PostgreSQL, as
    psycopg sends a list. A Snapshot binds it so itself (`_sqlite_value`); with this type the
    statements also run through SQLAlchemy's `Connection`, as tests/test_reads.py runs them."""

    impl = NullType
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return _sqlite_value(value) if dialect.name == "sqlite" else value


class _MemberOf(ColumnElement[bool]):
    """`column` is one of the values of the list bound as `name`."""

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.values = value_list(name)


def value_list(name: str) -> BindParameter[Any]:
    """A parameter `name` that binds a list as one value (JSON text on SQLite, for json_each;
    an array on PostgreSQL), for a statement of either engine's own text."""
    return bindparam(name, type_=_ValueList())


def member_of(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """`column IN (the list bound as name)`, with one placeholder whatever the list's length."""
    return _MemberOf(column, name)


@compiles(_MemberOf, "sqlite")
def _member_of_sqlite(element: _MemberOf, compiler: Any, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"


@compiles(_MemberOf, "postgresql")
def _member_of_postgresql(element: _MemberOf, compiler: Any, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} = ANY({values})"


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # before date: a datetime is a date too
        if value.utcoffset() is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's text for SQLite
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return json.dumps(value)
    return value


def _utc_text(text: str) -> datetime:
    """SQLite keeps a UTC timestamp without its offset (SQLModel's UTCDateTime): read as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _sqlite_reader(column_type: TypeEngine[Any]) -> Callable[[Any], Any] | None:
    """How a column of this type reads from SQLite's text, where it is not read as stored."""
    kind = _python_type(column_type)
    if kind is datetime:
        return _utc_text if getattr(column_type, "timezone", False) else datetime.fromisoformat
    if kind is date:
        return date.fromisoformat
    return None


def _postgresql_reader(column_type: TypeEngine[Any]) -> Callable[[Any], Any] | None:
    """psycopg reads dates, timestamps and arrays as Python's own; a timestamp with a zone comes
    in the session's zone, and is read in UTC (as SQLModel's UTCDateTime reads it)."""
    if _python_type(column_type) is datetime and getattr(column_type, "timezone", False):
        return _utc
    return None


def _python_type(column_type: TypeEngine[Any]) -> type | None:
    if isinstance(column_type, TypeDecorator):  # its own python_type is `object`
        return _python_type(column_type.impl_instance)
    try:
        kind: type = column_type.python_type
    except NotImplementedError:  # a type with no Python counterpart (tsvector, say)
        return None
    return kind


_READERS = {"sqlite": _sqlite_reader, "postgresql": _postgresql_reader}
_WRITERS = {"sqlite": _sqlite_value, "postgresql": None}


Reader = tuple[int, Callable[[Any], Any]]  # (column index, parse the driver's value)


@dataclass(slots=True)
class _Sql:
    text: str
    defaults: dict[str, Any]  # the statement's own literals (a LIMIT written in): bound too
    binds: tuple[str, ...]  # every parameter the SQL takes
    readers: tuple[Reader, ...]
    write: Callable[[Any], Any] | None  # a bound value as the driver takes it
    names: tuple[str, ...] | None = None  # the result's column labels, once it has run


class Statement:
    """A Core SELECT, compiled the first time each engine runs it."""

    __slots__ = ("_by_engine", "statement")

    def __init__(self, statement: Select[Any] | TextualSelect) -> None:
        self.statement = statement
        self._by_engine: dict[str, _Sql] = {}

    def sql(self, dialect: Dialect) -> _Sql:
        found = self._by_engine.get(dialect.name)
        if found is None:
            found = self._by_engine[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Sql:
        if dialect.paramstyle not in {"named", "pyformat"}:
            raise ValueError(
                f"{dialect.name} compiles parameters {dialect.paramstyle}: a Snapshot binds them "
                "by name; make the engine with create_db_engine(read_only=True)"
            )
        compiled = self.statement.compile(dialect=dialect)
        columns = self.statement.selected_columns
        reader = _READERS[dialect.name]
        readers = ((index, reader(column.type)) for index, column in enumerate(columns))
        return _Sql(
            text=compiled.string,
            defaults={k: v for k, v in compiled.params.items() if v is not None},
            binds=tuple(compiled.params),
            readers=tuple((index, read) for index, read in readers if read is not None),
            write=_WRITERS[dialect.name],
        )


class Snapshot:
    """One request's consistent view of the database: run statements, get plain dict rows."""

    __slots__ = (
        "_cursor",
        "_dbapi_error",
        "_dialect",
        "_once",
        "_totals",
        "_version",
        "deadline",
        "search_index",
        "sliced",
    )

    def __init__(
        self,
        dbapi_connection: Any,
        dialect: Dialect,
        totals: Totals | None = None,
        search_index: Path | None = None,
        deadline: float | None = None,
        *,
        sliced: bool = False,
    ) -> None:
        # SQLite: where the index beside the database is (app/search/side_index.py)
        self.search_index = search_index
        # when the reads must have ended (time.monotonic()): SQLite's own are interrupted there,
        # other work looks (`check_deadline`)
        self.deadline = deadline
        # SQLite's fast lane: the deadline is the end of the slice, and a read stopped there runs
        # again in the slow lane (app/reader.py)
        self.sliced = sliced
        self._once: dict[str, Any] = {}
        self._cursor = dbapi_connection.cursor()
        self._dialect = dialect
        self._dbapi_error = dialect.loaded_dbapi.Error
        self._totals = totals
        self._version: Any = None  # the database's version (_VERSION), read once per snapshot

    @property
    def dialect_name(self) -> str:
        return str(self._dialect.name)

    def _run(self, statement: Statement, params: Mapping[str, Any]) -> tuple[_Sql, list[Any]]:
        sql = statement.sql(self._dialect)
        # only the values the SQL takes: the filters' unset lists are not turned into JSON
        values = sql.defaults | {name: params[name] for name in sql.binds if name in params}
        if sql.write is not None:
            values = {name: sql.write(value) for name, value in values.items()}
        try:
            self._cursor.execute(sql.text, values)
            return sql, self._cursor.fetchall()
        except self._dbapi_error as error:
            raise ReadFailed(error, sql.text) from error

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        """What `make()` gives, made once for the whole request (the search index's searcher:
        every read of a request sees the same commit of it, as it sees one database snapshot)."""
        if key not in self._once:
            self._once[key] = make()
        return self._once[key]

    def check_deadline(self) -> None:
        """A timed-out ReadFailed, as SQLite's interrupt gives, once the deadline has passed: for
        work between statements that SQLite cannot interrupt (the search index's)."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise ReadFailed(TimeoutError("interrupted: the read ran past its time limit"))

    def outgrows_slice(self) -> None:
        """The work ahead is estimated to take longer than a fast-lane slice (a broad search, by
        its work budget's estimate): in the fast lane the read stops now, as at the slice's end,
        and runs in the slow lane without spending the rest of its slice first. Elsewhere (the
        slow lane, PostgreSQL, a script) it goes on."""
        if self.sliced:
            raise ReadFailed(TimeoutError("interrupted: the read is to run in the slow lane"))

    def rows(self, statement: Statement, params: Mapping[str, Any] = {}) -> list[Row]:
        """The rows, each a dict keyed by the SQL's column labels (as SQLAlchemy's `mappings()`)."""
        sql, found = self._run(statement, params)
        names = sql.names
        if names is None:
            names = sql.names = tuple(column[0] for column in self._cursor.description or ())
        readers = sql.readers
        if not readers:
            return [dict(zip(names, values, strict=True)) for values in found]
        rows = []
        for found_row in found:
            values = list(found_row)
            for index, read in readers:
                if values[index] is not None:
                    values[index] = read(values[index])
            rows.append(dict(zip(names, values, strict=True)))
        return rows

    def first(self, statement: Statement, params: Mapping[str, Any] = {}) -> Row | None:
        rows = self.rows(statement, params)
        return rows[0] if rows else None

    def scalar(self, statement: Statement, params: Mapping[str, Any] = {}) -> Any:
        """The first column of the first row (a count, a revision): read as the driver gives it."""
        _, found = self._run(statement, params)
        return found[0][0] if found else None

    def count(self, statement: Statement, params: Mapping[str, Any]) -> int:
        """`scalar` for an exact count, remembered until the database changes."""
        total: int = self.remembered(statement, params, self.scalar)
        return total

    def remembered_rows(self, statement: Statement, params: Mapping[str, Any] = {}) -> list[Row]:
        """`rows`, remembered until the database changes: for small answers that
        every request would otherwise read again."""
        rows: list[Row] = self.remembered(statement, params, self.rows)
        return rows

    def remembered(
        self, statement: Statement, params: Mapping[str, Any], read: Callable[..., Any]
    ) -> Any:
        """What `read(statement, params)` gives, remembered until the database changes. The
        version is read inside the request's transaction (it starts the snapshot if nothing has),
        so it is the version of the snapshot the answer would be read from."""
        totals = self._totals
        if totals is None:
            return read(statement, params)
        if self._version is None:
            self._version = self.driver_scalar(_VERSION[self.dialect_name])
        # Keyed by the values the answer depends on: not the page size, nor the cursor.
        binds = statement.sql(self._dialect).binds
        key = (statement, *((name, _hashable(params[name])) for name in binds if name in params))
        found = totals.get(self._version, key)
        if found is None:
            found = totals.put(self._version, key, read(statement, params))
        return found

    def begin(self) -> None:
        """Start the transaction now (SQLite's sqlite3 module otherwise leaves reads outside one,
        each statement its own snapshot)."""
        self.driver_scalar("BEGIN")

    def driver_scalar(self, sql: str) -> Any:
        """A statement of the driver's own (a PRAGMA, BEGIN), its errors wrapped as any other's."""
        try:
            self._cursor.execute(sql)
            found = self._cursor.fetchone()
        except self._dbapi_error as error:
            raise ReadFailed(error, sql) from error
        return found[0] if found else None


# What changes whenever the answers remembered change: the change log's highest number, since
# every write that changes what a release shows or which releases match notes a change there,
# numbered in commit order (app/ingest/changes.py), and the analyser's version, which changes
# with a reindex. One version for every connection, so that every connection of a process shares
# what one of them counted (SQLite's own `PRAGMA data_version` is counted per connection: a count
# that outgrew the fast lane's slice was remembered by a slow-lane connection only, and every
# request paid the slice again). Read in the request's snapshot (SQLite's transaction;
# PostgreSQL's REPEATABLE READ: app/db.py), so it dates the answers.
_VERSION = {
    "sqlite": "SELECT (SELECT coalesce(max(seq), 0) FROM press_release_change) "
    "|| ' ' || coalesce((SELECT min(version) FROM search_analyser), '')",
    "postgresql": "SELECT (SELECT coalesce(max(seq), 0) FROM press_release_change)::text "
    "|| ' ' || coalesce((SELECT min(version) FROM search_analyser), '')",
}


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def milliseconds(seconds: float) -> int:
    """A time limit in the unit of SQLite's busy_timeout and PostgreSQL's statement_timeout (at
    least 1: 0 would mean no limit)."""
    return max(1, round(seconds * 1000))
