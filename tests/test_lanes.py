"""The request runner's lanes (app/reader.py): a read that outgrows its slice is answered from the
slow lane exactly as from the fast one; a slow read holds up nothing else; overload is refused at
once with a 503 and Retry-After. The slow reads here are real: they wait for a lock that another
connection holds, so they stay slow exactly as long as the test wants."""

import asyncio
import json
import logging
import logging.config
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from app.config import Settings, available_cpus
from app.logs import logging_config
from app.main import create_app
from app.reader import Lane
from tests.fixtures.problems import assert_problem
from tests.fixtures.releases import Ingest, seed_text

WHAT = {"sqlite": "slow-lane threads", "postgresql": "database connections"}
STOPPED_AT_ONE_SECOND = (  # PostgreSQL's statement_timeout, with query_timeout_seconds=1
    "The query ran longer than the 1 s limit and was stopped. Narrow it (fewer OR alternatives, "
    "a date range, a filter) or try again later."
)
THREADS = {"sqlite": 1, "postgresql": 2}  # with the settings below: one thread; a pool of two


@pytest.fixture
def releases(load: Ingest) -> None:
    load({f"r{i:03}": seed_text("2025-01-01", f"Report {i}", "common words") for i in range(300)})


def test_a_read_past_its_slice_answers_from_the_slow_lane_as_from_the_fast_one(
    database_url: str, dialect: str, releases: None, capsys: pytest.CaptureFixture[str]
) -> None:
    params: dict[str, str | int] = {"q": "common", "limit": 3, "facets": "year"}
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        fast = client.get("/v1/search", params=params)
    # A slice of a nanosecond: on SQLite every read is stopped at the first progress callback
    # and run again in the slow lane; PostgreSQL has no slice, its reads all run in the pool.
    settings = Settings(database_url=database_url, query_slice_ms=1e-6)
    with access_log(), TestClient(create_app(settings)) as client:
        slow = client.get("/v1/search", params=params)
        health = client.get("/healthz")
    assert (fast.status_code, slow.status_code, health.status_code) == (200, 200, 200)
    assert slow.json() == fast.json()
    assert slow.json()["total"] == 300
    lane = {"sqlite": "slow", "postgresql": "pool"}[dialect]
    assert lanes(capsys) == [("/v1/search", lane), ("/healthz", None)]  # /healthz reads nothing


def test_a_search_its_budget_estimates_broad_goes_to_the_slow_lane_before_its_slice_ends(
    database_url: str, dialect: str, releases: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # `common OR words` reads 600 postings: both words are in each of the 300 releases. With a
    # budget of B, SQLite's index may read 4 B (a posting costs it a quarter of FTS5's), and a
    # quarter of that fits the fast lane's slice: within it at B = 600, past it at B = 599. A
    # slice of a second is never outgrown here, so the slow lane is the estimate's choice.
    # A single word is never estimated; PostgreSQL has no lanes.
    answers, expected = [], []
    for budget, broad_lane in ((500_000, "fast"), (600, "fast"), (599, "slow")):
        settings = Settings(database_url=database_url, query_slice_ms=1000, search_budget=budget)
        with access_log(), TestClient(create_app(settings)) as client:
            for q in ("common OR words", "common"):
                response = client.get("/v1/search", params={"q": q, "limit": 3})
                assert response.status_code == 200, response.json()
                answers.append(response.json())
        expected += [("/v1/search", broad_lane), ("/v1/search", "fast")]
    assert answers[0::2] == [answers[0]] * 3
    assert answers[1::2] == [answers[1]] * 3
    assert [a["total"] for a in answers[:2]] == [300, 300]
    assert [hit["press_release"]["id"] for hit in answers[0]["items"]] == [1, 2, 3]
    if dialect == "postgresql":
        expected = [(path, "pool") for path, _ in expected]
    assert lanes(capsys) == expected


@contextmanager
def access_log() -> Iterator[None]:
    """The access log on standard output, one JSON object a line, while the block runs."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        logging.config.dictConfig(logging_config("info"))
        yield
    finally:
        root.handlers[:], root.level = saved


def lanes(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str | None]]:
    """Each logged request's path and the lane that answered it."""
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return [(e["path"], e["lane"]) for e in lines if e["logger"] == "pressroom.access"]


@pytest.fixture
def lockable(database_url: str, engine: Engine, releases: None) -> str:
    """The releases' database, ready for `locked`: on SQLite in rollback-journal mode (in WAL,
    readers would not wait for a writer), which needs every other connection closed first."""
    engine.dispose()
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            connection.execute("PRAGMA journal_mode = DELETE")
    return database_url


@contextmanager
def locked(database_url: str) -> Iterator[None]:
    """Every read of the database waits while the block runs: another connection holds a lock."""
    if database_url.startswith("sqlite"):
        writer = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        writer.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        return
    url = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(url) as connection:
        connection.execute("LOCK TABLE press_release IN ACCESS EXCLUSIVE MODE")
        yield
        connection.rollback()


def serve(app: FastAPI, scenario: Callable[[httpx2.AsyncClient], Awaitable[None]]) -> None:
    """Run `scenario` against the app in an event loop of its own thread, so that a blocked event
    loop fails the test (no timer fires in a blocked loop) instead of hanging it."""

    async def main() -> None:
        async with app.router.lifespan_context(app):
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
                await scenario(client)

    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:
            errors.append(error)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(timeout=60)
    assert not runner.is_alive(), "the requests are stuck: the event loop is blocked"
    if errors:
        raise errors[0]


def running(lane: Lane, count: int) -> Callable[[], bool]:
    return lambda: lane.running == count


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never came true")


def test_reads_past_the_lane_and_its_queue_are_refused_at_once(lockable: str, dialect: str) -> None:
    # No queue: while reads wait for the lock in each of the lane's threads, the next read is
    # refused at once, and the event loop goes on answering what needs no read.
    settings = Settings(
        database_url=lockable,
        database_max_connections=2,
        slow_query_threads=1,
        slow_query_queue=0,
        query_timeout_seconds=30,
    )
    app = create_app(settings)
    results: dict[str, Any] = {}

    async def scenario(client: httpx2.AsyncClient) -> None:
        lane = app.state.reader.lane
        assert (lane.threads, lane.queue) == (THREADS[dialect], 0)
        with locked(lockable):
            waiting = []
            for i in range(lane.threads):
                request = client.get("/v1/search", params={"q": "common", "limit": i + 1})
                waiting.append(asyncio.create_task(request))
                await until(running(lane, i + 1))
            results["refused"] = await client.get("/v1/press-releases/1")
            results["health"] = await client.get("/healthz")
            assert not any(task.done() for task in waiting)
        results["served"] = [await task for task in waiting]

    serve(app, scenario)
    assert results["health"].status_code == 200
    assert [r.status_code for r in results["served"]] == [200] * THREADS[dialect]
    assert [r.json()["total"] for r in results["served"]] == [300] * THREADS[dialect]
    refused = results["refused"]
    assert refused.headers["retry-after"] == "1"
    assert_problem(
        refused,
        503,
        "Service Unavailable",
        f"The server is busy: all {THREADS[dialect]} of its {WHAT[dialect]} are taken and 0 "
        "requests wait for one. This one was not queued: try again in a second, or narrow the "
        "query (rarer words, a filter, a date range) so that it answers quickly.",
        "/v1/press-releases/1",
    )


def test_a_read_waits_for_the_lane_no_longer_than_its_time_limit(
    lockable: str, dialect: str
) -> None:
    settings = Settings(
        database_url=lockable,
        database_max_connections=2,
        slow_query_threads=1,
        slow_query_queue=4,
        query_timeout_seconds=1,
    )
    app = create_app(settings)
    results: dict[str, Any] = {}

    async def scenario(client: httpx2.AsyncClient) -> None:
        with locked(lockable):
            requests = [client.get(f"/v1/press-releases/{i}") for i in range(1, 5)]
            results["responses"] = await asyncio.gather(*requests)

    serve(app, scenario)
    # The lane's threads wait for the lock until the limit (SQLite's busy timeout, PostgreSQL's
    # statement_timeout); the others wait for a thread until the limit, and are refused then.
    waited = (
        f"The server stayed busy for this request's whole time limit: all {THREADS[dialect]} of "
        f"its {WHAT[dialect]} were taken. Try again shortly, or narrow the query so that it "
        "answers quickly."
    )
    locked_out = {
        "sqlite": "The database is unavailable; try again shortly.",
        "postgresql": STOPPED_AT_ONE_SECOND,
    }[dialect]
    answers = sorted((r.status_code, r.json()["detail"]) for r in results["responses"])
    threads = THREADS[dialect]
    assert answers == sorted([(503, locked_out)] * threads + [(503, waited)] * (4 - threads))


ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@ON_POSTGRESQL
def test_a_read_that_waited_for_its_connection_is_stopped_at_its_own_limit(
    lockable: str,
) -> None:
    # A serving connection is opened with the whole limit as its statement_timeout; a read that
    # waited half of its limit for a connection is stopped when its own limit is up, not a whole
    # limit after it got the connection. The lock goes at 1.7 s: the last read, sent at 0.5 s,
    # would have had it before 2.0 s.
    settings = Settings(
        database_url=lockable,
        database_max_connections=2,
        slow_query_threads=1,
        query_timeout_seconds=1,
    )
    app = create_app(settings)
    results: dict[str, Any] = {}

    async def scenario(client: httpx2.AsyncClient) -> None:
        lane = app.state.reader.lane
        with locked(lockable):
            first = [asyncio.create_task(client.get(f"/v1/press-releases/{i}")) for i in (1, 2)]
            await until(running(lane, 2))
            await asyncio.sleep(0.5)
            last = asyncio.create_task(client.get("/v1/press-releases/3"))
            await asyncio.sleep(1.2)
        results["responses"] = [*(await asyncio.gather(*first)), await last]

    serve(app, scenario)
    answers = [(r.status_code, r.json().get("detail")) for r in results["responses"]]
    assert answers == [(503, STOPPED_AT_ONE_SECOND)] * 3


@ON_POSTGRESQL
def test_a_read_on_a_connection_the_server_closed_is_answered_on_a_new_one(
    database_url: str, engine: Engine, releases: None
) -> None:
    # No pre-ping (app/db.py): the pooled connections the server closed are found by a read's
    # first statement, and the read runs again on a new connection.
    settings = Settings(database_url=database_url, database_max_connections=2)
    with TestClient(create_app(settings)) as client:
        before = [client.get(f"/v1/press-releases/{i}") for i in (1, 2)]
        with engine.connect() as connection:
            closed = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
        after = [client.get(f"/v1/press-releases/{i}") for i in (1, 2)]
    assert closed == 1  # the app's one pooled connection (one request at a time)
    assert [r.status_code for r in after] == [200, 200]
    assert [r.json() for r in after] == [r.json() for r in before]


def test_the_docker_image_default_is_one_worker_per_core(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "auto")
    assert Settings().web_concurrency == available_cpus()
    quota = tmp_path / "cpu.max"
    quota.write_text("150000 100000\n")  # docker run --cpus 1.5
    assert available_cpus(quota) == min(2, available_cpus())
    quota.write_text("max 100000\n")
    assert available_cpus(quota) == available_cpus()
