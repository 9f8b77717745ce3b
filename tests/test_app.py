"""The application around the routes: problems for every error, probes, docs, CORS, read-only
serving."""

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import queries
from app.config import Settings
from app.db import create_db_engine
from app.errors import PROBLEM_JSON
from app.ingest.command import ingest
from app.main import create_app
from tests.fixtures.problems import assert_problem
from tests.fixtures.releases import SEED


def test_an_unknown_route_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/v2/nothing")
    assert_problem(
        response,
        404,
        "Not Found",
        "Nothing is served at /v2/nothing; see /docs for the routes.",
        "/v2/nothing",
    )


def test_a_wrong_method_is_a_405_problem_with_allow(client: TestClient) -> None:
    response = client.post("/v1/press-releases")
    assert response.headers["allow"] == "GET, HEAD"
    assert_problem(
        response,
        405,
        "Method Not Allowed",
        "POST is not allowed on /v1/press-releases.",
        "/v1/press-releases",
    )


def test_an_unexpected_error_is_a_500_problem_without_internals(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(queries, "get_release", explode)
    app = create_app(Settings(database_url=database_url))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/v1/press-releases/1")
    assert_problem(
        response,
        500,
        "Internal Server Error",
        "The server failed to answer this request; the error has been logged.",
        "/v1/press-releases/1",
    )
    assert "secret internals /etc/passwd" in caplog.text


def test_a_missing_database_is_a_503_problem_without_sql(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'absent.db'}"))
    with TestClient(app) as client:
        response = client.get("/v1/press-releases")
        ready = client.get("/readyz")
    assert response.headers["retry-after"] == "5"
    assert_problem(
        response,
        503,
        "Service Unavailable",
        "The database is unavailable; try again shortly.",
        "/v1/press-releases",
    )
    assert ready.status_code == 503
    assert not (tmp_path / "absent.db").exists()  # serving never creates the file


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "revision": "0007"}


def test_readyz_is_503_on_an_unmigrated_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    import sqlite3  # noqa: PLC0415

    sqlite3.connect(path).close()
    with TestClient(create_app(Settings(database_url=f"sqlite:///{path}"))) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["detail"] == (
        "The database is at schema revision none, not 0007: run `pressroom migrate`."
    )


def test_a_locked_database_is_a_503_within_the_query_time_limit(sqlite_url: str) -> None:
    # SQLite reads run on the event loop (app/reads.py): a lock wait must end, as a 503, within
    # QUERY_TIMEOUT_SECONDS. WAL readers rarely wait; a rollback-journal file locked by a writer
    # makes every reader wait, whatever statement comes first (here the count of a date sort).
    engine = create_db_engine(sqlite_url)
    ingest(engine, [SEED])
    engine.dispose()
    path = sqlite_url.removeprefix("sqlite:///")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode = DELETE")
    settings = Settings(database_url=sqlite_url, query_timeout_seconds=0.2)
    with TestClient(create_app(settings)) as client:
        engine = client.app.state.read_engine  # type: ignore[attr-defined]
        with engine.connect() as connection:  # the wait for a lock has the query's limit
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 200
        writer.execute("BEGIN EXCLUSIVE")
        locked = client.get("/v1/search", params={"q": "almaty", "sort": "newest"})
        writer.execute("ROLLBACK")
        free = client.get("/v1/search", params={"q": "almaty", "sort": "newest"})
    writer.close()
    assert (locked.status_code, locked.headers["retry-after"]) == (503, "5")
    assert locked.json()["detail"] == "The database is unavailable; try again shortly."
    assert (free.status_code, free.json()["total"]) == (200, 1)


def test_the_serving_connection_cannot_write(client: TestClient, dialect: str) -> None:
    engine = client.app.state.read_engine  # type: ignore[attr-defined]
    refusal = {"sqlite": "readonly database", "postgresql": "read-only transaction"}[dialect]
    with engine.connect() as connection, pytest.raises(DBAPIError, match=refusal):
        connection.execute(text("DELETE FROM press_release"))


@pytest.mark.parametrize(
    ("page", "asset"), [("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc")]
)
def test_docs_pages_load_their_assets_from_the_app(
    client: TestClient, page: str, asset: str
) -> None:
    html = client.get(page).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(source.startswith("/") for source in sources), sources  # nothing from a CDN
    assert any(asset in source for source in sources)
    for source in sources:
        assert client.get(source).status_code == 200, source


def test_swagger_ui_is_version_5_which_reads_openapi_3_1(client: TestClient) -> None:
    html = client.get("/docs").text
    [bundle] = re.findall(r'src="([^"]*swagger-ui-bundle\.js)"', html)
    assert '"5.' in client.get(bundle).text[:2_000_000]
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")


def test_every_operation_documents_its_responses_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operations = {
        (path, method): operation
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    }
    assert set(operations) == {
        ("/v1/press-releases", "get"),
        ("/v1/press-releases/{key}", "get"),
        ("/v1/press-releases/{key}/versions", "get"),
        ("/v1/press-releases/{key}/versions/{number}", "get"),
        ("/v1/press-releases/{key}/related", "get"),
        ("/v1/search", "get"),
        ("/v1/feed.atom", "get"),
        ("/v1/changes", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/", "get"),
    }
    feed = operations.pop(("/v1/feed.atom", "get"))
    assert set(feed["responses"]["200"]["content"]) == {"application/atom+xml"}
    for operation in operations.values():
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in ok
        name = ok["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
        has_examples = "examples" in schema or any(
            "examples" in prop for prop in schema["properties"].values()
        )
        assert has_examples, name
    errors = {path: set(op["responses"]) - {"200", "304"} for (path, _), op in operations.items()}
    assert errors == {
        "/v1/press-releases": {"400", "422", "500", "503"},
        "/v1/search": {"400", "422", "500", "503"},
        "/v1/press-releases/{key}": {"404", "410", "422", "500", "503"},
        "/v1/press-releases/{key}/versions": {"400", "404", "410", "422", "500", "503"},
        "/v1/press-releases/{key}/versions/{number}": {"404", "410", "422", "500", "503"},
        "/v1/press-releases/{key}/related": {"404", "410", "422", "500", "503"},
        "/v1/changes": {"400", "422", "500", "503"},
        "/healthz": {"500"},
        "/readyz": {"500", "503"},
        "/": {"500"},
    }
    assert set(feed["responses"]) == {"200", "304", "400", "422", "500", "503"}
    problem = operations[("/v1/press-releases/{key}", "get")]["responses"]["404"]["content"]
    assert problem == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    gone = operations[("/v1/press-releases/{key}", "get")]["responses"]["410"]["content"]
    assert gone == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/GoneProblem"}}}


def test_cors_allows_any_origin_to_read_by_default(client: TestClient) -> None:
    response = client.get("/v1/press-releases", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert (
        response.headers["access-control-expose-headers"] == "ETag, Link, X-Request-ID, Retry-After"
    )


def test_cors_origins_are_configurable(database_url: str) -> None:
    settings = Settings(database_url=database_url, cors_origins="https://a.example")
    with TestClient(create_app(settings)) as client:
        allowed = client.get("/healthz", headers={"Origin": "https://a.example"})
        other = client.get("/healthz", headers={"Origin": "https://b.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://a.example"
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize(("workers", "per_worker"), [(1, 32), (4, 8), (64, 2)])
def test_the_serving_pool_is_shared_by_the_workers(workers: int, per_worker: int) -> None:
    settings = Settings(web_concurrency=workers, database_max_connections=32)
    assert settings.pool_size == per_worker
    engine = create_app(settings).state.read_engine
    assert engine.pool.size() == per_worker


def test_reads_come_from_database_read_url(
    template_db: Path, tmp_path: Path, sqlite_url: str
) -> None:
    replica = tmp_path / "replica.db"
    shutil.copyfile(template_db, replica)
    engine = create_db_engine(f"sqlite:///{replica}")
    ingest(engine, [SEED])
    engine.dispose()
    settings = Settings(database_url=sqlite_url, database_read_url=f"sqlite:///{replica}")
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/press-releases").json()["total"] == 1
    with TestClient(create_app(Settings(database_url=sqlite_url))) as client:
        assert client.get("/v1/press-releases").json()["total"] == 0


def test_a_browser_app_may_revalidate_and_trace_across_origins(client: TestClient) -> None:
    preflight = client.options(
        "/v1/press-releases",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match, x-request-id",
        },
    )
    assert preflight.status_code == 200
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert {"if-none-match", "x-request-id"} <= {h.strip() for h in allowed.split(",")}


def test_a_refused_preflight_is_a_problem_document(client: TestClient) -> None:
    response = client.options(
        "/v1/press-releases",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "DELETE"},
    )
    assert_problem(
        response,
        400,
        "Bad Request",
        "The CORS preflight was refused: Disallowed CORS method. Cross-origin requests may use "
        "GET and HEAD, with the headers If-None-Match and X-Request-ID.",
        "/v1/press-releases",
    )


def test_the_base_url_says_where_to_go(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    base = "http://testserver/"
    assert response.json() == {
        "name": "Pressroom",
        "version": "0.1.0",
        "links": {
            "docs": base + "docs",
            "redoc": base + "redoc",
            "openapi": base + "openapi.json",
            "press_releases": base + "v1/press-releases",
            "search": base + "v1/search?q={query}",
            "feed": base + "v1/feed.atom",
            "changes": base + "v1/changes",
            "health": base + "healthz",
            "ready": base + "readyz",
        },
    }
    for name, url in response.json()["links"].items():
        assert client.get(url.replace("{query}", "almaty")).status_code == 200, name


@pytest.mark.parametrize("url", ["/?x=1", "/healthz?x=1", "/readyz?verbose=1"])
def test_every_route_refuses_unknown_parameters(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == (
        "Unknown query parameter; this route takes: none"
    )
