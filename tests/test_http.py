"""The HTTP contract around every route: unknown parameters, caching, compression, request ids,
security and proxy headers, the query time limit, and structured logs."""

import asyncio
import gzip
import io
import json
import logging
import logging.config
import re
import threading
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from app.config import Settings
from app.errors import PROBLEM_JSON
from app.logs import JsonFormatter, logging_config
from app.main import create_app
from app.middleware import stack, wrap
from tests.fixtures.problems import assert_problem
from tests.fixtures.releases import SEED, Ingest, seed_text

BIG = {f"r{i}": seed_text("2025-01-01", f"Release {i}", "Words " * 50) for i in range(30)}


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("/v1/press-releases?limt=5", ["limt"]),
        ("/v1/press-releases?limit=5&page=2&page=3&foo=", ["page", "foo"]),
        ("/v1/search?q=a&sorting=newest", ["sorting"]),
        ("/v1/press-releases/1?expand=body", ["expand"]),
        ("/v1/feed.atom?lang=en", ["lang"]),
    ],
)
def test_an_unknown_query_parameter_is_a_422_naming_it(
    client: TestClient, url: str, names: list[str]
) -> None:
    response = client.get(url)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert [e["parameter"] for e in body["errors"]] == [f"query.{n}" for n in names]
    assert body["errors"][0]["message"].startswith("Unknown query parameter; this route takes: ")


@pytest.mark.parametrize(
    ("url", "problems"),
    [
        ("/v1/search?q=a&q=b", [("query.q", "repeated")]),
        ("/v1/press-releases?limit=5&source=MFA&limit=6", [("query.limit", "repeated")]),
        (
            "/v1/feed.atom?tag=x&to=2025-01-01&to=2025-02-01",
            [("query.tag", "unknown"), ("query.to", "repeated")],
        ),
    ],
)
def test_a_one_value_parameter_given_twice_is_a_422_naming_it(
    client: TestClient, url: str, problems: list[tuple[str, str]]
) -> None:
    messages = {
        "repeated": "Given more than once; this parameter takes one value",
        "unknown": "Unknown query parameter; this route takes: from, language, q, source, to",
    }
    response = client.get(url)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["errors"] == [
        {"parameter": parameter, "message": messages[kind]} for parameter, kind in problems
    ]


def test_parameters_that_take_several_values_may_repeat(client: TestClient) -> None:
    response = client.get("/v1/press-releases?source=MFA&source=Akorda&language=en&language=ru")
    assert (response.status_code, response.json()["total"]) == (200, 0)


def test_json_gets_carry_a_strong_etag_and_cache_control(client: TestClient, load: Ingest) -> None:
    load({"000_58c17a29ac5caa8f": SEED.read_text()})
    for url in ("/v1/press-releases", "/v1/press-releases/1", "/v1/search?q=almaty"):
        response = client.get(url, headers={"Accept-Encoding": "identity"})
        assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["etag"]), url
        assert response.headers["cache-control"] == "public, max-age=60"
        assert response.headers["vary"] == "Accept-Encoding, Origin"
    assert client.get("/healthz").headers["cache-control"] == "no-store"
    assert client.get("/readyz").headers["cache-control"] == "no-store"


def test_if_none_match_answers_304_until_the_data_changes(client: TestClient, load: Ingest) -> None:
    load({"a": seed_text("2025-01-01", "Alpha", "One.")})
    first = client.get("/v1/press-releases")
    etag = first.headers["etag"]
    assert client.get("/v1/press-releases").headers["etag"] == etag  # stable while unchanged
    cached = client.get("/v1/press-releases", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert (cached.headers["etag"], cached.headers["cache-control"]) == (etag, "public, max-age=60")
    weak = client.get("/v1/press-releases", headers={"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    assert client.get("/v1/press-releases", headers={"If-None-Match": '"other"'}).status_code == 200
    load({"b": seed_text("2025-01-02", "Beta", "Two.")})
    changed = client.get("/v1/press-releases", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["total"] == 2


def test_large_bodies_are_gzipped_when_accepted_with_their_own_etag(
    client: TestClient, load: Ingest
) -> None:
    load(BIG)
    plain = client.get("/v1/press-releases", headers={"Accept-Encoding": "identity"})
    zipped = client.get("/v1/press-releases", headers={"Accept-Encoding": "gzip, br"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(plain.content) / 4
    assert zipped.json() == plain.json()  # httpx decompresses
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    again = client.get(
        "/v1/press-releases",
        headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]},
    )
    assert (again.status_code, again.headers["etag"]) == (304, zipped.headers["etag"])
    refused = client.get("/v1/press-releases", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers  # under 1 KB: not worth it


def test_gzip_bytes_are_the_same_every_time(client: TestClient, load: Ingest) -> None:
    load(BIG)
    with client.stream("GET", "/v1/press-releases", headers={"Accept-Encoding": "gzip"}) as r:
        first = b"".join(r.iter_raw())
    with client.stream("GET", "/v1/press-releases", headers={"Accept-Encoding": "gzip"}) as r:
        second = b"".join(r.iter_raw())
    assert first == second
    assert json.loads(gzip.decompress(first))["total"] == 30


@pytest.mark.parametrize(
    ("given", "echoed"),
    [("abc-123.DEF_4:5", "abc-123.DEF_4:5"), ("bad id with spaces", None), (None, None)],
)
def test_x_request_id_is_echoed_or_generated(
    client: TestClient, given: str | None, echoed: str | None
) -> None:
    headers = {"X-Request-ID": given} if given else {}
    response = client.get("/healthz", headers=headers)
    if echoed:
        assert response.headers["x-request-id"] == echoed
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


def test_security_headers(client: TestClient) -> None:
    api = client.get("/healthz").headers
    docs = client.get("/docs").headers
    for headers in (api, docs):
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
    assert api["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert docs["content-security-policy"].startswith("default-src 'self'; script-src 'self'")


def test_errors_carry_the_request_id_too(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("app.queries.get_release", explode)
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        response = client.get(
            "/v1/press-releases/1",
            headers={"X-Request-ID": "req-500", "Origin": "https://a.example"},
        )
        missing = client.get("/nowhere", headers={"X-Request-ID": "req-404"})
    assert (response.status_code, response.headers["x-request-id"]) == (500, "req-500")
    assert (missing.status_code, missing.headers["x-request-id"]) == (404, "req-404")
    # the last-resort 500 is the server's own answer, not the route's: no CORS headers on it
    assert "vary" not in response.headers
    assert "access-control-allow-origin" not in response.headers


def test_an_error_after_a_route_began_its_answer_is_one_500() -> None:
    async def half_answer(scope: Scope, receive: Receive, send: Send) -> None:
        start = {"type": "http.response.start", "status": 200}
        await send(start | {"headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"items": [', "more_body": True})
        raise RuntimeError("boom")

    conventions = wrap(half_answer, stack(cors_origins=["*"], trusted_proxies="127.0.0.1"))
    client = TestClient(conventions)  # no lifespan: not used
    response = client.get("/v1/press-releases", headers={"X-Request-ID": "req-half"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["x-request-id"] == "req-half"
    assert response.json()["detail"] == (
        "The server failed to answer this request; the error has been logged."
    )


@pytest.mark.parametrize(
    ("trusted", "url"),
    [("*", "https://api.example.org/v1/press-releases/1"), ("127.0.0.1", None)],
    ids=["trusted-proxy", "untrusted-client"],
)
def test_absolute_urls_follow_trusted_forwarded_headers(
    database_url: str, load: Ingest, trusted: str, url: str | None
) -> None:
    load({"000_58c17a29ac5caa8f": SEED.read_text()})
    settings = Settings(database_url=database_url, forwarded_allow_ips=trusted)
    with TestClient(create_app(settings), base_url="http://api.example.org") as client:
        response = client.get(
            "/v1/press-releases",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"},
        )
    assert response.json()["items"][0]["url"] == (
        url or "http://api.example.org/v1/press-releases/1"
    )


def test_a_query_over_the_time_limit_is_a_503_with_retry_after(
    database_url: str, load: Ingest, tmp_path: Path
) -> None:
    lines = tmp_path / "many.jsonl"
    lines.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"m{i}",
                    "title": f"T {i}",
                    "published_on": "2025-01-01",
                    "body": "alpha beta gamma " * 20,
                }
            )
            + "\n"
            for i in range(500)
        )
    )
    load({})  # nothing, only to make the fixture's engine
    from app.db import create_db_engine  # noqa: PLC0415
    from app.ingest.command import ingest  # noqa: PLC0415

    engine = create_db_engine(database_url)
    ingest(engine, [lines])
    engine.dispose()
    settings = Settings(database_url=database_url, query_timeout_seconds=1e-9)
    with TestClient(create_app(settings)) as client:
        # PostgreSQL: the 1 ms statement_timeout the connection opens with stops the search, or
        # already the server's version read on the engine's first connection: a 503 either way
        slow = client.get("/v1/search", params={"q": "alpha OR beta OR gamma"})
    assert slow.headers["retry-after"] == "10"
    assert_problem(
        slow,
        503,
        "Service Unavailable",
        "The query ran longer than the 1e-09 s limit and was stopped. Narrow it (fewer "
        "OR alternatives, a date range, a filter) or try again later.",
        "/v1/search",
    )
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        assert (
            client.get("/v1/search", params={"q": "alpha OR beta OR gamma"}).json()["total"] == 500
        )


def test_access_logs_are_json_lines_with_the_request_id(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        logging.config.dictConfig(logging_config("info"))
        client.get("/v1/press-releases?limit=1", headers={"X-Request-ID": "req-77"})
    finally:
        root.handlers[:], root.level = saved
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    [entry] = [line for line in lines if line["logger"] == "pressroom.access"]
    assert entry["request_id"] == "req-77"
    assert (entry["method"], entry["path"], entry["query"], entry["status"]) == (
        "GET",
        "/v1/press-releases",
        "limit=1",
        200,
    )
    assert entry["level"] == "info"
    assert isinstance(entry["duration_ms"], float)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])


def test_error_logs_carry_the_request_id_and_the_trace(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret SQL: SELECT * FROM press_release")

    monkeypatch.setattr("app.queries.get_release", explode)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("pressroom.errors")
    logger.addHandler(handler)
    try:
        with TestClient(create_app(Settings(database_url=database_url))) as client:
            response = client.get("/v1/press-releases/1", headers={"X-Request-ID": "req-err"})
    finally:
        logger.removeHandler(handler)
    assert "SELECT" not in response.text
    [entry] = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert entry["request_id"] == "req-err"
    assert entry["message"] == "unhandled error on GET /v1/press-releases/1"
    assert "RuntimeError: secret SQL: SELECT * FROM press_release" in entry["error"]


def test_more_concurrent_requests_than_pooled_connections_all_succeed(
    database_url: str, load: Ingest
) -> None:
    load({"000_58c17a29ac5caa8f": SEED.read_text()})
    app = create_app(Settings(database_url=database_url))
    count = 3 * Settings().pool_size
    statuses: list[int] = []

    async def burst() -> None:
        async with app.router.lifespan_context(app):
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
                responses = await asyncio.gather(
                    *(client.get("/v1/search?q=almaty") for _ in range(count))
                )
                statuses.extend(r.status_code for r in responses)

    # In a thread of its own: a server that blocks its event loop would hang this test rather
    # than fail it, since no timer can fire in a blocked loop.
    runner = threading.Thread(target=asyncio.run, args=(burst(),), daemon=True)
    runner.start()
    runner.join(timeout=30)
    assert not runner.is_alive(), "the requests are stuck: the event loop is blocked"
    assert statuses == [200] * count


HEAD_URLS = [
    "/v1/press-releases",
    "/v1/press-releases/1",
    "/v1/search?q=almaty",
    "/v1/feed.atom",
    "/healthz",
    "/readyz",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/v1/press-releases/999",
]
_PER_REQUEST = {"date", "x-request-id"}


@pytest.mark.parametrize("url", HEAD_URLS)
def test_head_goes_wherever_get_goes(client: TestClient, load: Ingest, url: str) -> None:
    load({"000_58c17a29ac5caa8f": SEED.read_text()})
    got = client.get(url)
    head = client.head(url)
    assert head.status_code == got.status_code
    assert head.content == b""
    same = {k: v for k, v in got.headers.items() if k not in _PER_REQUEST}
    assert {k: v for k, v in head.headers.items() if k not in _PER_REQUEST} == same
    if "etag" in got.headers:
        revalidated = client.head(url, headers={"If-None-Match": got.headers["etag"]})
        assert (revalidated.status_code, revalidated.content) == (304, b"")


@pytest.mark.parametrize("asset", ["swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"])
def test_documentation_assets_are_compressed_and_cached(client: TestClient, asset: str) -> None:
    url = f"/static-offline-docs/{asset}"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert (plain.status_code, zipped.status_code) == (200, 200)
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decodes it: the same bytes
    assert int(zipped.headers["content-length"]) < len(plain.content) // 2
    assert (
        zipped.headers["cache-control"]
        == plain.headers["cache-control"]
        == ("public, max-age=86400")
    )
    again = client.get(url, headers={"If-None-Match": zipped.headers["etag"]})
    assert again.status_code == 304
