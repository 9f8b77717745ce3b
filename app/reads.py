"""The serving path's road to the database: Core statements compiled once per dialect and run on a
pooled DBAPI connection, one read-only snapshot per request (DESIGN §8: reads may take a leaner road
than the table models).

Why not SQLAlchemy's `Connection.execute`: on the bench archive a detail read costs 9 µs through
the sqlite3 module and 64 µs through a pooled `Connection` (its begin event, execution context and
result machinery), when a detail request may cost about 60 µs more than a bare FastAPI route
(bench/RESULTS.md, issue 7). SQLAlchemy still writes every statement (Core, one source of SQL
for both engines) and converts every value (its own bind and result processors, so a row reads the
same as through `Connection`); only the execution machinery is skipped.

Why SQLite runs on the event loop: its queries are CPU work in this process, microseconds for a
page. A hop to the thread pool costs more than the query, and under load the worker thread then
waits for the event loop to hand back the GIL at every call into the sqlite3 module (up to the
switch interval, 5 ms): 16 clients got 1,460 detail answers/s through threads and 3,505 inline,
everything else unchanged. PostgreSQL's queries wait on a socket, so they run in the thread pool,
at most one per pooled connection.
"""

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Dialect, Engine, Executable, bindparam, func, select, true
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from starlette.concurrency import run_in_threadpool

PROGRESS_STEPS = 1000  # SQLite virtual machine steps between two looks at the clock

Row = dict[str, Any]
T = TypeVar("T")
_Converter = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    compiled: SQLCompiler
    expanding: bool  # whether the SQL depends on the values (IN lists): then SQLAlchemy renders it
    order: tuple[str, ...] | None  # the parameters' order, for a positional driver (sqlite3)
    defaults: dict[str, Any]  # the values of the statement's own literals (LIMIT's OFFSET 0…)
    bind: dict[str, _Converter]  # parameter name → SQLAlchemy's bind processor, where it has one
    names: tuple[str, ...]  # the result columns' keys
    converters: tuple[tuple[int, _Converter], ...]  # (column index, result processor)

    @classmethod
    def make(cls, statement: Any, dialect: Dialect) -> "_Compiled":
        compiled = statement.compile(dialect=dialect)
        bind = {}
        for name, parameter in compiled.binds.items():
            processor = parameter.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                bind[name] = processor
        columns = statement.selected_columns
        converters = []
        for index, column in enumerate(columns):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if processor is not None:
                converters.append((index, processor))
        return cls(
            compiled=compiled,
            expanding=bool(compiled.post_compile_params or compiled.literal_execute_params),
            order=tuple(compiled.positiontup) if compiled.positiontup is not None else None,
            defaults={
                name: parameter.effective_value
                for name, parameter in compiled.binds.items()
                if not parameter.required
            },
            bind=bind,
            # The collection's keys are unique (an unnamed count() is `count`, a second `count_1`).
            names=tuple(columns.keys()),
            converters=tuple(converters),
        )

    def arguments(self, params: Mapping[str, Any]) -> tuple[str, Any]:
        """The SQL and the driver's arguments for `params`, bound as SQLAlchemy binds them: the
        statement's own literals added, IN lists expanded, the types' bind processors applied (a
        date becomes SQLite's text, say), in order for a positional driver."""
        if self.expanding:
            state = self.compiled.construct_expanded_state(params)
            sql, values, processors = state.statement, dict(state.parameters), state.processors
            order = state.positiontup
        else:
            sql, values, processors = self.compiled.string, {**self.defaults, **params}, {}
            order = self.order
        for table in (self.bind, processors):
            for name, process in table.items():
                if values.get(name) is not None:
                    values[name] = process(values[name])
        if order is None:
            return sql, values
        return sql, tuple(values[name] for name in order)


class Statement:
    """A Core SELECT, compiled the first time each dialect runs it."""

    __slots__ = ("_by_dialect", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        key = (dialect.name, dialect.driver)  # the SQL text depends on the driver's paramstyle
        found = self._by_dialect.get(key)
        if found is None:
            found = self._by_dialect[key] = _Compiled.make(self.statement, dialect)
        return found


class Snapshot:
    """One request's consistent view of the database: run statements, get plain dict rows."""

    __slots__ = ("_cursor", "_dbapi_error", "_dialect", "_totals")

    def __init__(
        self, dbapi_connection: Any, dialect: Dialect, totals: "Totals | None" = None
    ) -> None:
        self._cursor = dbapi_connection.cursor()
        self._dialect = dialect
        self._dbapi_error = dialect.loaded_dbapi.Error
        self._totals = totals

    @property
    def dialect_name(self) -> str:
        return str(self._dialect.name)

    def _execute(self, statement: Statement, params: Mapping[str, Any]) -> _Compiled:
        compiled = statement.compiled(self._dialect)
        sql, arguments = compiled.arguments(params)
        try:
            self._cursor.execute(sql, arguments)
        except self._dbapi_error as error:
            raise DBAPIError.instance(sql, arguments, error, self._dbapi_error) from error
        return compiled

    def rows(self, statement: Statement, params: Mapping[str, Any] = {}) -> list[Row]:
        compiled = self._execute(statement, params)
        names, converters = compiled.names, compiled.converters
        rows = []
        for values in self._fetchall():
            row = dict(zip(names, values, strict=True))
            for index, convert in converters:
                key = names[index]
                row[key] = convert(row[key])
            rows.append(row)
        return rows

    def first(self, statement: Statement, params: Mapping[str, Any] = {}) -> Row | None:
        rows = self.rows(statement, params)
        return rows[0] if rows else None

    def scalar(self, statement: Statement, params: Mapping[str, Any] = {}) -> Any:
        self._execute(statement, params)
        found = self._fetchall()
        return found[0][0] if found else None

    def count(self, statement: Statement, params: Mapping[str, Any]) -> int:
        """`scalar` for an exact count, remembered (on SQLite) until the database changes. The
        version is read inside the request's transaction (it starts the snapshot if nothing has),
        so it is the version of the snapshot the count would be taken from."""
        totals = self._totals
        if totals is None:
            total: int = self.scalar(statement, params)
            return total
        version = self._driver_scalar("PRAGMA data_version")
        # Keyed by the values the count depends on: not the page size, nor the cursor.
        names = statement.compiled(self._dialect).compiled.binds
        key = (statement, *((name, _hashable(params[name])) for name in names if name in params))
        found = totals.get(version, key)
        if found is None:
            found = totals.put(key, self.scalar(statement, params))
        return found

    def begin(self) -> None:
        """Start the transaction now (SQLite's sqlite3 module otherwise leaves reads outside one,
        each statement its own snapshot)."""
        self._driver_scalar("BEGIN")

    def _driver_scalar(self, sql: str) -> Any:
        """A statement of the driver's own (a PRAGMA, BEGIN), its errors wrapped as any other's."""
        try:
            self._cursor.execute(sql)
            found = self._cursor.fetchone()
        except self._dbapi_error as error:
            raise DBAPIError.instance(sql, (), error, self._dbapi_error) from error
        return found[0] if found else None

    def _fetchall(self) -> list[Any]:
        try:
            result: list[Any] = self._cursor.fetchall()
        except self._dbapi_error as error:
            raise DBAPIError.instance(None, None, error, self._dbapi_error) from error
        return result


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class Totals:
    """Exact counts, valid for one version of the database. SQLite's `PRAGMA data_version` changes
    on a connection whenever another connection has committed since: the remembered counts are
    then dropped. Counting the whole archive reads every entry of an index (0.34 ms at 100,000
    releases): without this, the list's `total` costs ten times its page."""

    LIMIT = 4096  # remembered counts, at most: about 1 MB

    def __init__(self) -> None:
        self.version: int | None = None
        self.counts: dict[Any, int] = {}

    def get(self, version: int, key: Any) -> int | None:
        if version != self.version:
            self.version, self.counts = version, {}
        return self.counts.get(key)

    def put(self, key: Any, total: int) -> int:
        if len(self.counts) >= self.LIMIT:
            self.counts.clear()
        self.counts[key] = total
        return total


def milliseconds(seconds: float) -> int:
    """A time limit in the unit of SQLite's busy_timeout and PostgreSQL's statement_timeout (at
    least 1: 0 would mean no limit)."""
    return max(1, round(seconds * 1000))


class Reader:
    """Runs a request's reads (`work`, a function of a Snapshot) in one read-only transaction,
    stopped once it has run for QUERY_TIMEOUT_SECONDS (the client then gets a 503). Made in the
    app's lifespan, in the event loop that serves.

    On SQLite, reads run one at a time on the event loop, so the worker holds one connection
    (checking it out of the pool for each request cost 6% of a detail request). On PostgreSQL
    each request takes a pooled connection in a worker thread."""

    def __init__(self, engine: Engine, *, pool_size: int, timeout_seconds: float) -> None:
        self.engine = engine
        self.timeout_seconds = timeout_seconds
        self._timeout_ms = str(milliseconds(timeout_seconds))  # PostgreSQL's unit
        self.inline = engine.dialect.name == "sqlite"
        self._dbapi_error = engine.dialect.loaded_dbapi.Error
        self._held: Any = None  # SQLite: the pooled connection this worker keeps
        self._totals = Totals()  # SQLite: counts remembered on that connection
        # One slot per pooled connection: a request waits here, asynchronously, rather than in a
        # blocking pool checkout (under 64 clients that froze a server until the pool timed out).
        self._slots = asyncio.Semaphore(pool_size)

    async def read(self, work: Callable[[Snapshot], T]) -> T:
        if self.inline:
            return self.run(work)
        async with self._slots:
            return await run_in_threadpool(self.run, work)

    def run(self, work: Callable[[Snapshot], T]) -> T:
        """`read`, in the calling thread (for scripts and benchmarks; on SQLite, one at a time)."""
        if self.inline:
            if self._held is None:
                self._held = self._checkout()
            return self._run_sqlite(self._held.dbapi_connection, work)
        pooled = self._checkout()
        try:
            snapshot = Snapshot(pooled.dbapi_connection, self.engine.dialect)
            # PostgreSQL cancels a statement past statement_timeout (57014: a 503)
            snapshot.scalar(_STATEMENT_TIMEOUT, {"milliseconds": self._timeout_ms})
            return work(snapshot)
        finally:
            pooled.close()  # back to the pool, which rolls the transaction back

    def _run_sqlite(self, connection: Any, work: Callable[[Snapshot], T]) -> T:
        deadline = time.monotonic() + self.timeout_seconds
        # A true return from the progress handler interrupts the running statement.
        connection.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
        try:
            snapshot = Snapshot(connection, self.engine.dialect, self._totals)
            snapshot.begin()  # one snapshot for every read of the request
            return work(snapshot)
        finally:
            connection.set_progress_handler(None, 0)
            connection.rollback()

    def _checkout(self) -> Any:
        try:  # the pool hands out the driver's own errors: wrap them as Connection would
            return self.engine.raw_connection()
        except self._dbapi_error as error:
            raise DBAPIError.instance(None, None, error, self._dbapi_error) from error

    def close(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None
            self._totals = Totals()  # data_version is counted per connection


async def read(request: Request, work: Callable[[Snapshot], T]) -> T:
    """`work` run by the app's Reader. A plain function rather than a FastAPI dependency: solving
    one costs every request more than a whole SQLite read (4% of a detail request, profiled)."""
    reader: Reader = request.app.state.reader
    return await reader.read(work)


_STATEMENT_TIMEOUT = Statement(
    select(func.set_config("statement_timeout", bindparam("milliseconds"), true()))
)
