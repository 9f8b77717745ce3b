"""A recorded set of requests answers byte for byte as recorded, on both engines: every route,
errors, 304s, gzip, CORS preflights, HEAD. The safety net of refactors that must not change what a
client receives (issue 14): status, headers and body are compared exactly.

After a change meant to alter answers, record them again and review the diff:

    PRESSROOM_RECORD=1 .venv/bin/pytest tests/test_recorded_responses.py

What would vary from run to run is fixed: each request sends its own X-Request-ID, and the
releases' ingestion timestamps are set to one instant after loading.
"""

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.fixtures.releases import SEED, Ingest
from tests.multilingual_corpus import RELEASES
from tests.search_corpus import CORPUS

RECORDED = Path(__file__).with_name("recorded")
RECORD = os.environ.get("PRESSROOM_RECORD") == "1"
ORIGIN = {"Origin": "https://app.example"}
GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}

# (method, path, headers); "ETAG" in If-None-Match is replaced by the ETag of the request before.
REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/", PLAIN),
    ("GET", "/healthz", PLAIN),
    ("GET", "/readyz", PLAIN),
    ("HEAD", "/readyz", PLAIN),
    ("GET", "/v1/press-releases", PLAIN),
    ("GET", "/v1/press-releases", GZIP),
    ("GET", "/v1/press-releases", PLAIN | {"If-None-Match": "ETAG"}),
    ("HEAD", "/v1/press-releases", PLAIN),
    ("GET", "/v1/press-releases?limit=2", PLAIN),
    ("GET", "/v1/press-releases?limit=2&sort=oldest", PLAIN),
    ("GET", "/v1/press-releases?language=kk&language=ru", PLAIN),
    ("GET", "/v1/press-releases?source=MFA&from=2025-01-01&to=2025-12-31", PLAIN),
    ("GET", "/v1/press-releases?limit=0", PLAIN),
    ("GET", "/v1/press-releases?limit=ten&sort=random", PLAIN),
    ("GET", "/v1/press-releases?cursor=garbage", PLAIN),
    ("GET", "/v1/press-releases?unknown=1", PLAIN),
    ("GET", "/v1/press-releases?limit=1&limit=2", PLAIN),
    ("GET", "/v1/press-releases/1", PLAIN),
    ("GET", "/v1/press-releases/1", GZIP),
    ("GET", "/v1/press-releases/1", GZIP | {"If-None-Match": "ETAG"}),
    ("HEAD", "/v1/press-releases/1", GZIP),
    (
        "GET",
        "/v1/press-releases/2025-03-06-initiative-of-the-president-of-kazakhstan-to-"
        "establish-a-un-center-in-almaty-was",
        PLAIN,
    ),
    ("GET", "/v1/press-releases/999", PLAIN),
    ("GET", "/v1/press-releases/nope", PLAIN),
    ("POST", "/v1/press-releases", PLAIN),
    ("GET", "/v1/search?q=almaty", PLAIN),
    ("GET", "/v1/search?q=almaty", GZIP),
    ("GET", "/v1/search?q=almaty", PLAIN | {"If-None-Match": "ETAG"}),
    ("HEAD", "/v1/search?q=almaty", PLAIN),
    ("GET", "/v1/search?q=almaty&sort=newest&limit=1", PLAIN),
    ("GET", "/v1/search?q=almaty&sort=oldest&facets=source,language,year", PLAIN),
    ("GET", "/v1/search?q=%22central+asia%22", PLAIN),
    ("GET", "/v1/search?q=centr*&limit=2", PLAIN),
    ("GET", "/v1/search?q=title:almaty", PLAIN),
    ("GET", "/v1/search?q=almaty+-visa", PLAIN),
    ("GET", "/v1/search?q=almaty+OR+astana", PLAIN),
    ("GET", "/v1/search?q=Казахстан", PLAIN),
    ("GET", "/v1/search?q=Ауғанстанның", PLAIN),
    ("GET", "/v1/search?q=%22иностранные+дела%22", PLAIN),
    ("GET", "/v1/search?q=Turkiye&language=en", PLAIN),
    ("GET", "/v1/search?q=astana&source=MFA", PLAIN),
    ("GET", "/v1/search?q=%21%21", PLAIN),
    ("GET", "/v1/search?q=-visa", PLAIN),
    ("GET", "/v1/search?q=a*", PLAIN),
    ("GET", "/v1/search", PLAIN),
    ("GET", "/v1/search?q=almaty&facets=color", PLAIN),
    ("GET", "/v1/search?q=almaty&cursor=e30", PLAIN),
    ("GET", "/v1/feed.atom", GZIP),
    ("GET", "/v1/feed.atom", PLAIN),
    ("GET", "/v1/feed.atom", PLAIN | {"If-None-Match": "ETAG"}),
    ("GET", "/v1/feed.atom?q=almaty&language=en", PLAIN),
    ("HEAD", "/v1/feed.atom", PLAIN),
    ("GET", "/v1/feed.atom?q=%21", PLAIN),
    ("GET", "/nowhere", PLAIN),
    ("GET", "/v1/press-releases", PLAIN | ORIGIN),
    (
        "OPTIONS",
        "/v1/search",
        PLAIN
        | ORIGIN
        | {
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    ),
    ("OPTIONS", "/v1/search", PLAIN | ORIGIN | {"Access-Control-Request-Method": "DELETE"}),
    ("GET", "/openapi.json", PLAIN),
    ("GET", "/docs", PLAIN),
    ("GET", "/redoc", PLAIN),
    ("GET", "/static-offline-docs/swagger-ui.css", GZIP),
]


@pytest.fixture
def loaded(load: Ingest, engine: Engine) -> None:
    load({SEED.stem: SEED.read_text()})
    for external_id, (source, language, release) in CORPUS.items():
        load({external_id: release}, source=source, language=language)
    for external_id, (language, release) in RELEASES.items():
        load({external_id: release}, language=language)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE press_release SET ingested_at = :t, updated_at = :t"),
            {"t": "2026-01-01 00:00:00"},
        )


LONG = 20_000  # a body longer than this (a documentation asset) is recorded by its hash


def _answer(response: Any) -> dict[str, Any]:
    """Status, headers and body. A gzipped body is compared decoded; its Content-Length (the
    compressed size) and ETag are compared as sent."""
    body: bytes = response.content
    shown: Any
    if len(body) > LONG:
        shown = {"sha256": hashlib.sha256(body).hexdigest(), "length": len(body)}
    else:
        shown = body.decode()
    return {
        "status": response.status_code,
        "headers": sorted([k, v] for k, v in response.headers.items() if k != "date"),
        "body": shown,
    }


def test_the_recorded_requests_answer_as_recorded(
    client: TestClient, loaded: None, dialect: str
) -> None:
    assert len(REQUESTS) >= 60
    answers = []
    etag = ""
    for number, (method, path, headers) in enumerate(REQUESTS):
        sent = {k: (etag if v == "ETAG" else v) for k, v in headers.items()}
        sent["X-Request-ID"] = f"recorded-{number}"
        response = client.request(method, path, headers=sent)
        etag = response.headers.get("etag", "")
        answers.append({"request": [method, path, headers]} | _answer(response))
    recording = RECORDED / f"responses-{dialect}.json"
    if RECORD:
        recording.write_text(json.dumps(answers, ensure_ascii=False, indent=1) + "\n")
    recorded = json.loads(recording.read_text())
    assert len(recorded) == len(answers)
    for was, now in zip(recorded, answers, strict=True):
        assert now == was, was["request"]
