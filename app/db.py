"""Engines (the serving path's reads go through app/reads.py, on the driver's connections).

Two kinds of engine: the writer (migrations, ingestion) and the reader (serving). On SQLite the
reader opens the file read-only (`mode=ro`), so the serving path cannot write even by mistake, and
the writer switches the file to WAL so readers keep being served while an ingest runs.
"""

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

BUSY_TIMEOUT_MS = 5000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    """The file behind a SQLite URL (relative paths are relative to the working directory)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError(
            f"DATABASE_URL {url!r} names no database file; give sqlite:///path/to/file.db"
        )
    return Path(database)


def database_file(engine: Engine) -> Path:
    """The file a SQLite engine opens (a reader's URL names it as an URI, `file:...`)."""
    database = engine.url.database or ""
    return Path(database.removeprefix("file:")) if engine.url.query.get("uri") else Path(database)


def copy_rows(connection: Connection, statement: str, rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL: write `rows` by `statement` (`COPY … FROM STDIN`) in the connection's own
    transaction, through psycopg's COPY support: a bulk load's fastest way in. The driver's
    errors are raised as SQLAlchemy raises them for any other statement (a DBAPIError)."""
    driver = connection.connection.driver_connection
    errors = connection.dialect.loaded_dbapi.Error
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    except errors as error:
        raise DBAPIError.instance(statement, None, error, errors) from error


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (each with the same keys, column names) into `table`: by COPY on
    PostgreSQL, where 100,000 releases inserted by executemany cost the writer 8.6 s of CPU and the
    server 6.2 s (bench/RESULTS.md, "PostgreSQL ingest by COPY"); by executemany elsewhere, which
    SQLite runs in its own loop. Column defaults apply to the columns left out, on both."""
    if not rows:
        return
    names = rows[0].keys()
    if any(row.keys() != names for row in rows):
        # executemany would take the first row's keys for all (and drop the others' values)
        raise ValueError(f"insert_rows into {table.name}: the rows do not all have the same keys")
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    preparer = connection.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in names)
    statement = f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN"
    copy_rows(connection, statement, ([row[name] for name in names] for row in rows))


def create_db_engine(
    url: str,
    *,
    read_only: bool = False,
    pool_size: int = 16,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    statement_timeout_ms: int | None = None,
) -> Engine:
    """The engine for `url`; `read_only` for the serving path, whose pool holds `pool_size`
    connections and never more (app/reads.py: a request waits for a slot, never in the pool).
    On SQLite a connection waits up to `busy_timeout_ms` for a lock; on PostgreSQL a serving
    connection's statements run for at most `statement_timeout_ms`."""
    if not is_sqlite(url):
        if not read_only:
            return create_engine(url, pool_pre_ping=True)
        options = [
            # Serving connections refuse to write: every transaction starts READ ONLY.
            "default_transaction_read_only=on",
            # one snapshot per request, as on SQLite: a count and its page always agree
            "default_transaction_isolation=repeatable\\ read",
            # JIT compiles a broad search's plan for 6 to 20 ms, more than it saves on it
            "jit=off",
        ]
        if statement_timeout_ms is not None:
            options.append(f"statement_timeout={int(statement_timeout_ms)}")
        # No pre-ping: it cost every request a round trip (a fifth of a list page's time). A
        # connection the server has closed is found by the read's first statement instead, and
        # the read run again on a new one (app/reader.py).
        return create_engine(
            url,
            pool_size=pool_size,
            max_overflow=0,
            connect_args={"options": " ".join(f"-c {option}" for option in options)},
        )

    path = sqlite_path(url)
    if read_only:
        # SQLite's URI form opens the file read-only; it is never created here.
        engine = create_engine(
            f"sqlite:///file:{path}?mode=ro&uri=true",
            connect_args={"check_same_thread": False},
            paramstyle="named",  # app/reads.py binds parameters by name, as on PostgreSQL
            pool_size=pool_size,
            max_overflow=0,
        )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below: the sqlite3 module's own
        # implicit BEGIN comes too late (only before DML) for a consistent read or an atomic run.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if read_only:
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the write lock up front, so two writers queue on busy_timeout instead of
        # failing when a read lock cannot be upgraded; readers get one snapshot per request.
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
