"""The answers the HTTP server gives itself, before the application sees a request, are problem
documents too (app/protocol.py), from `pressroom serve` as an operator runs it."""

import json
import socket
from urllib.parse import urlsplit

import pytest

from app.errors import PROBLEM_JSON
from app.protocol import DETAIL


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Not about the database: one engine is enough."""
    return sqlite_url


def exchange(base: str, request: bytes) -> tuple[bytes, dict[str, str], bytes]:
    """(status line, headers, body) of the server's answer to raw bytes."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /v1/press-releases?q=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Note: a\rb\r\n\r\n",
        b"FROBNICATE / HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",
    ],
    ids=["70-kb-url", "cr-in-a-header", "unknown-method", "space-in-a-header-name"],
)
def test_a_request_the_server_cannot_parse_is_a_problem(
    live_server: str, request_bytes: bytes
) -> None:
    status, headers, body = exchange(live_server, request_bytes)
    assert status == b"HTTP/1.1 400 Bad Request"
    assert headers["content-type"] == PROBLEM_JSON
    assert int(headers["content-length"]) == len(body)
    assert json.loads(body) == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": DETAIL,
    }


def test_the_status_line_says_what_the_problem_says(live_server: str) -> None:
    status, headers, body = exchange(
        live_server,
        b"GET /v1/press-releases?limit=0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert status == b"HTTP/1.1 422 Unprocessable Content"
    assert json.loads(body)["title"] == "Unprocessable Content"
    assert headers["content-type"] == PROBLEM_JSON
