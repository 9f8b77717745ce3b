"""The serving path's road to the database: Core statements compiled once per dialect and run on a
pooled DBAPI connection, one read-only snapshot per request: the table models serve migrations
and ingestion, and reads take a leaner road.

Why not SQLAlchemy's `Connection.execute`: on the bench archive a detail read costs 9 µs through
the sqlite3 module and 64 µs through a pooled `Connection` (its begin event, execution context and
result machinery), when a detail request may cost about 60 µs more than a bare FastAPI route
(bench/RESULTS.md, "Throughput against a bare FastAPI app"). SQLAlchemy still writes every
statement (Core, one source of SQL for both engines) and converts every value (its own bind and
result processors, so a row reads the same as through `Connection`); only the execution machinery
is skipped.

Where the reads run (the event loop, or a thread) is app/reader.py's business.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Executable
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

Row = dict[str, Any]
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

    __slots__ = ("_cursor", "_dbapi_error", "_dialect", "_totals", "_version")

    def __init__(
        self, dbapi_connection: Any, dialect: Dialect, totals: "Totals | None" = None
    ) -> None:
        self._cursor = dbapi_connection.cursor()
        self._dialect = dialect
        self._dbapi_error = dialect.loaded_dbapi.Error
        self._totals = totals
        self._version: int | None = None  # SQLite's data_version, read once per snapshot

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
        """`scalar` for an exact count, remembered (on SQLite) until the database changes."""
        total: int = self._remembered(statement, params, self.scalar)
        return total

    def remembered_rows(self, statement: Statement, params: Mapping[str, Any] = {}) -> list[Row]:
        """`rows`, remembered (on SQLite) until the database changes: for small answers that
        every request would otherwise read again."""
        rows: list[Row] = self._remembered(statement, params, self.rows)
        return rows

    def _remembered(
        self, statement: Statement, params: Mapping[str, Any], read: Callable[..., Any]
    ) -> Any:
        """What `read(statement, params)` gives, remembered until the database changes. The
        version is read inside the request's transaction (it starts the snapshot if nothing has),
        so it is the version of the snapshot the answer would be read from."""
        totals = self._totals
        if totals is None:
            return read(statement, params)
        if self._version is None:
            self._version = self._driver_scalar("PRAGMA data_version")
        # Keyed by the values the answer depends on: not the page size, nor the cursor.
        names = statement.compiled(self._dialect).compiled.binds
        key = (statement, *((name, _hashable(params[name])) for name in names if name in params))
        found = totals.get(self._version, key)
        if found is None:
            found = totals.put(key, read(statement, params))
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
    """Exact counts (and a few other small answers: the highest id, the long releases' ids, the
    search budget's sample counts), valid for one version of the database. SQLite's `PRAGMA
    data_version` changes on a connection whenever another connection has committed since: the
    remembered answers are then dropped. Counting the whole archive reads every entry of an index
    (0.34 ms at 100,000 releases): without this, the list's `total` costs ten times its page."""

    LIMIT = 4096  # remembered counts, at most: about 1 MB

    def __init__(self) -> None:
        self.version: int | None = None
        self.counts: dict[Any, Any] = {}

    def get(self, version: int, key: Any) -> Any:
        if version != self.version:
            self.version, self.counts = version, {}
        return self.counts.get(key)

    def put(self, key: Any, total: Any) -> Any:
        if len(self.counts) >= self.LIMIT:
            self.counts.clear()
        self.counts[key] = total
        return total


def milliseconds(seconds: float) -> int:
    """A time limit in the unit of SQLite's busy_timeout and PostgreSQL's statement_timeout (at
    least 1: 0 would mean no limit)."""
    return max(1, round(seconds * 1000))
