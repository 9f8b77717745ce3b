"""A recorded set of requests answers byte for byte as recorded, on both engines: every route,
errors, 304s, gzip, CORS preflights, HEAD. The safety net of refactors that must not change what a
client receives: status, headers and body are compared exactly.

After a change meant to alter answers, record them again and review the diff:

    PRESSROOM_RECORD=1 .venv/bin/pytest tests/test_recorded_responses.py

What would vary from run to run is fixed: each request sends its own X-Request-ID, and the
releases' ingestion timestamps are set to one instant after loading.
"""

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.fixtures.recorded_requests import REQUESTS, load_archive, send
from tests.fixtures.releases import Ingest

RECORDED = Path(__file__).with_name("recorded")
RECORD = os.environ.get("PRESSROOM_RECORD") == "1"


@pytest.fixture
def loaded(load: Ingest, engine: Engine) -> None:
    load_archive(load, engine)


LONG = 20_000  # a body longer than this (a documentation asset) is recorded by its hash


def _header(path: str, name: str, value: str) -> str:
    """A header's value as recorded: a documentation asset's validators come from the installed
    file's modification time (Starlette's StaticFiles), which each install sets anew."""
    if path.startswith("/static-offline-docs/"):
        if name == "last-modified":
            return "(the installed file's mtime)"
        if name == "etag":
            return re.sub("[0-9a-f]{32}", "(mtime and size)", value)
    return value


def _answer(path: str, response: Any) -> dict[str, Any]:
    """Status, headers and body. A gzipped body is compared decoded; its Content-Length (the
    compressed size) and ETag are compared as sent."""
    body: bytes = response.content
    shown: Any
    if len(body) > LONG:
        shown = {"sha256": hashlib.sha256(body).hexdigest(), "length": len(body)}
    else:
        shown = body.decode()
    headers = [[k, _header(path, k, v)] for k, v in response.headers.items() if k != "date"]
    return {"status": response.status_code, "headers": sorted(headers), "body": shown}


def test_the_recorded_requests_answer_as_recorded(
    client: TestClient, loaded: None, dialect: str
) -> None:
    assert len(REQUESTS) >= 60
    answers = []
    for (method, path, headers), response in send(client):
        answers.append({"request": [method, path, headers]} | _answer(path, response))
    recording = RECORDED / f"responses-{dialect}.json"
    if RECORD:
        recording.write_text(json.dumps(answers, ensure_ascii=False, indent=1) + "\n")
    recorded = json.loads(recording.read_text())
    assert len(recorded) == len(answers)
    for was, now in zip(recorded, answers, strict=True):
        assert now == was, was["request"]
