"""The request runner: each request's reads run as one function of a read-only snapshot, so that
no slow read holds up the cheap ones.

SQLite's reads are CPU work in this process, in two lanes. The fast lane is the event loop itself,
for at most QUERY_SLICE_MS (10 ms): a detail, a list page or a rare-term search costs well under a
millisecond of SQLite's time, less than a hop to a thread costs (16 clients got 1,460 detail
answers/s through threads and 3,505 inline, bench/RESULTS.md, "Throughput against a bare FastAPI
app"). A read that outgrows its slice is stopped by SQLite's progress handler and run again, from
the start and in a fresh snapshot, in the slow lane: SLOW_QUERY_THREADS threads per worker, each
with a connection of its own, SQLite releasing the GIL while it works, so the event loop goes on
answering meanwhile. Reads are pure, so running one again is safe; the slice it spent is the price
of not having to guess in advance which requests are slow. Where the request can tell, it does
not pay it: a search that its work budget estimates broad stops at once (Snapshot.outgrows_slice,
app/search/budget.py) and goes to the slow lane.

PostgreSQL's reads wait on a socket: every one runs in a thread on a pooled connection, as many at
once as the worker has connections, so a slow one holds only its own; the server stops a statement
at statement_timeout, which each serving connection is opened with (app/db.py), so that a request
pays no round trip to set it unless it waited for its connection long enough to matter
(TIMEOUT_SLACK_SECONDS). A connection the server closed (a restart, a failover) is found by the
read's first statement, and the read runs again once on a new connection, the pool's idle ones
dropped with it: reads are pure. A slice there would be wall-clock time on a shared server: under
a burst of cheap queries it would send them all to a slow lane.

Either way a read waits for its thread behind at most a bounded queue (SLOW_QUERY_QUEUE on SQLite);
past that, or once its time is up, it is refused at once with a 503 and Retry-After rather than
left queueing for seconds. The whole request, lanes and waits included, stays within
QUERY_TIMEOUT_SECONDS.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Engine, bindparam, func, select, true
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from app.db import database_file
from app.errors import ServiceUnavailable
from app.reads import ReadFailed, Snapshot, Statement, milliseconds
from app.search import side_index
from app.totals import Totals

PROGRESS_STEPS = 1000  # SQLite virtual machine steps between two looks at the clock (fast lane)
# PostgreSQL: a read that waited longer than this for its connection sets its statement_timeout to
# what is left of its limit; one that waited less keeps the connection's, the whole limit, so the
# request may run this much past its limit.
TIMEOUT_SLACK_SECONDS = 0.05
LANE = "pressroom.lane"  # the scope key naming the lane that answered, for the access log
T = TypeVar("T")
Work = Callable[[Snapshot], T]


class _Outgrown(Exception):
    """A fast-lane read ran past its slice: it is to be run again in the slow lane."""


class _Disconnected(Exception):
    """A PostgreSQL read found its connection closed by the server: to be run on a new one."""


class Overloaded(ServiceUnavailable):
    """Every thread of a lane is busy and its queue is full, or the wait for one ran out."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, retry_after=1)


class Lane:
    """At most `threads` reads at a time, at most `queue` waiting for one; the rest are refused."""

    def __init__(self, *, threads: int, queue: int, what: str) -> None:
        self.threads = threads
        self.queue = queue
        self.what = what  # what its threads are, for the refusal's message
        self.running = 0
        self.waiting = 0
        self._slots = asyncio.Semaphore(threads)

    @asynccontextmanager
    async def admitted(self, deadline: float) -> AsyncIterator[None]:
        if self.running >= self.threads and self.waiting >= self.queue:
            raise Overloaded(
                f"The server is busy: all {self.threads} of its {self.what} are taken and "
                f"{self.waiting} requests wait for one. This one was not queued: try again in a "
                "second, or narrow the query (rarer words, a filter, a date range) so that it "
                "answers quickly."
            )
        self.waiting += 1
        try:
            if self._slots.locked():
                await asyncio.wait_for(self._slots.acquire(), timeout=deadline - time.monotonic())
            else:  # a free thread: taken at once, whatever time is left
                await self._slots.acquire()
        except TimeoutError:
            raise Overloaded(
                f"The server stayed busy for this request's whole time limit: all {self.threads} "
                f"of its {self.what} were taken. Try again shortly, or narrow the query so that "
                "it answers quickly."
            ) from None
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._slots.release()


class Reader:
    """Runs a request's reads (`work`, a function of a Snapshot) in one read-only transaction: on
    SQLite in the fast lane and, past its slice, in the slow lane; on PostgreSQL in a pooled
    connection's thread. Made in the app's lifespan, in the event loop that serves (its
    semaphores belong to that loop)."""

    def __init__(
        self,
        engine: Engine,
        *,
        pool_size: int,
        timeout_seconds: float,
        slice_seconds: float = 0.01,
        slow_threads: int = 1,
        queue: int | None = None,
    ) -> None:
        self.engine = engine
        self.timeout_seconds = timeout_seconds
        self.slice_seconds = min(slice_seconds, timeout_seconds)
        self.sqlite = engine.dialect.name == "sqlite"
        # answers remembered per database version, shared by every connection (app/totals.py)
        self.totals = Totals()
        # SQLite: the index beside the database file (app/search/side_index.py)
        self.search_index = side_index.location(database_file(engine)) if self.sqlite else None
        self._dbapi_error = engine.dialect.loaded_dbapi.Error
        self._held: Any = None  # SQLite: the pooled connection the fast lane keeps
        # SQLite: the slow lane. PostgreSQL: one thread per pooled connection, so a request waits
        # here, asynchronously, and never in a blocking pool checkout.
        threads = slow_threads if self.sqlite else pool_size
        self.lane = Lane(
            threads=threads,
            queue=2 * threads if queue is None else queue,
            what="slow-lane threads" if self.sqlite else "database connections",
        )

    async def read(self, work: Work[T], scope: MutableMapping[str, Any] | None = None) -> T:
        """`work`'s result; the lane it was answered in is noted in `scope` (for the access log):
        fast or slow on SQLite, pool on PostgreSQL."""
        note: MutableMapping[str, Any] = {} if scope is None else scope
        deadline = time.monotonic() + self.timeout_seconds
        if self.sqlite:
            note[LANE] = "fast"
            try:
                return self._sqlite_fast(work)
            except _Outgrown as outgrown:
                if time.monotonic() >= deadline:  # the slice was the whole limit: a timeout
                    raise outgrown.__cause__ from None  # type: ignore[misc]
            note[LANE] = "slow"
        else:
            note[LANE] = "pool"
        async with self.lane.admitted(deadline):
            remaining = deadline - time.monotonic()
            if self.sqlite:
                return await self._sqlite_slow(work, remaining)
            return await run_in_threadpool(self._postgres, work, remaining)

    def run(self, work: Work[T]) -> T:
        """`work` in the calling thread with the whole time limit, for scripts and benchmarks."""
        if self.sqlite:
            pooled = self._checkout()
            try:
                connection = pooled.dbapi_connection
                deadline = time.monotonic() + self.timeout_seconds
                connection.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
                return self._in_snapshot(pooled, work, deadline)
            finally:
                pooled.dbapi_connection.set_progress_handler(None, 0)
                pooled.close()
        return self._postgres(work, self.timeout_seconds)

    def _sqlite_fast(self, work: Work[T]) -> T:
        if self._held is None:
            self._held = self._checkout()
            # A wait for a lock happens inside SQLite, where no progress handler runs: bounded by
            # the slice too, the wait moves to the slow lane like any other read that outgrows it.
            self._held.dbapi_connection.execute(
                f"PRAGMA busy_timeout = {milliseconds(self.slice_seconds)}"
            )
        connection = self._held.dbapi_connection
        stop = time.monotonic() + self.slice_seconds
        connection.set_progress_handler(lambda: time.monotonic() > stop, PROGRESS_STEPS)
        try:
            return self._in_snapshot(self._held, work, stop, sliced=True)
        except ReadFailed as error:
            if error.timed_out or error.locked:
                raise _Outgrown from error
            raise
        finally:
            connection.set_progress_handler(None, 0)

    async def _sqlite_slow(self, work: Work[T], seconds: float) -> T:
        pooled = self._checkout()
        # sqlite3's interrupt() may be called from any thread; a timer on the event loop does it,
        # rather than a progress handler that would take the GIL back every few microseconds.
        timer = asyncio.get_running_loop().call_later(
            max(0.0, seconds), pooled.dbapi_connection.interrupt
        )
        deadline = time.monotonic() + max(0.0, seconds)
        try:
            return await run_in_threadpool(self._in_snapshot, pooled, work, deadline)
        finally:
            timer.cancel()
            pooled.close()

    def _postgres(self, work: Work[T], seconds: float) -> T:
        deadline = time.monotonic() + seconds
        try:
            return self._postgres_read(work, deadline)
        except _Disconnected:
            # The server closed the connection, and so most likely every other one it had open
            # (a restart, a failover): the pool is made anew, as SQLAlchemy does on a
            # disconnect, and the read runs once more.
            self.engine.dispose()
        try:
            return self._postgres_read(work, deadline)
        except _Disconnected as again:
            raise again.__cause__ from None  # type: ignore[misc]

    def _postgres_read(self, work: Work[T], deadline: float) -> T:
        pooled = self._checkout()
        try:
            snapshot = Snapshot(pooled.dbapi_connection, self.engine.dialect, self.totals)
            left = deadline - time.monotonic()
            if left < self.timeout_seconds - TIMEOUT_SLACK_SECONDS:
                # PostgreSQL cancels a statement past statement_timeout (57014: a 503)
                snapshot.scalar(_STATEMENT_TIMEOUT, {"milliseconds": str(milliseconds(left))})
            return work(snapshot)
        except ReadFailed as failed:
            error: Any = failed.error  # the driver's own error (ReadFailed wraps nothing else)
            if not self.engine.dialect.is_disconnect(error, pooled.dbapi_connection, None):
                raise
            pooled.invalidate(failed.error)
            raise _Disconnected from failed
        finally:
            pooled.close()  # back to the pool, which rolls the transaction back

    def _in_snapshot(
        self, pooled: Any, work: Work[T], deadline: float, *, sliced: bool = False
    ) -> T:
        """`work` in one SQLite transaction on `pooled`, rolled back after (`sliced`: in the fast
        lane, where the deadline is the slice's end)."""
        connection = pooled.dbapi_connection
        try:
            snapshot = Snapshot(
                connection,
                self.engine.dialect,
                self.totals,
                self.search_index,
                deadline,
                sliced=sliced,
            )
            snapshot.begin()  # one snapshot for every read of the request
            return work(snapshot)
        finally:
            connection.rollback()

    def _checkout(self) -> Any:
        try:  # the pool hands out the driver's own errors: wrapped as a read's are
            return self.engine.raw_connection()
        except self._dbapi_error as error:
            raise ReadFailed(error) from error
        except DBAPIError as error:
            # The engine's first connection, on which SQLAlchemy reads the server's version
            # through its own Connection: under the statement_timeout the connection opens with,
            # a limit shorter than that read stops it (57014), a 503 like any read's.
            raise ReadFailed(error.orig or error) from error

    def close(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None


async def read(request: Request, work: Work[T]) -> T:
    """`work` run by the app's Reader. A plain function rather than a FastAPI dependency: solving
    one costs every request more than a whole SQLite read (4% of a detail request, profiled)."""
    reader: Reader = request.app.state.reader
    return await reader.read(work, request.scope)


_STATEMENT_TIMEOUT = Statement(
    select(func.set_config("statement_timeout", bindparam("milliseconds"), true()))
)
