"""The HTTP layer around the routes, as plain ASGI middleware (no per-request task or buffering
beyond what each one needs).

RequestContext   X-Request-ID (accepted or generated, echoed, logged), the security headers, the
                 structured access log, and the last-resort 500 problem for an unexpected error
Representation   for 200 JSON and Atom GETs: a strong ETag, Cache-Control, If-None-Match → 304,
                 and gzip when the client accepts it and the body is over 1 KB
"""

import gzip
import hashlib
import logging
import re
import time
import uuid
from collections.abc import MutableMapping
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem_response
from app.logs import request_id

access_log = logging.getLogger("pressroom.access")
error_log = logging.getLogger("pressroom.errors")

_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "cross-origin",
    "x-frame-options": "DENY",
}
# A JSON or XML answer loads nothing and is framed by nobody. The documentation pages need their
# own scripts and styles, inline ones included (Swagger UI and ReDoc start from an inline script).
API_CSP = "default-src 'none'; frame-ancestors 'none'"
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'"
)


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        current = given if _VALID_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(current)
        start = time.perf_counter()
        status = 500
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = current
                headers.update(SECURITY_HEADERS)
                html = headers.get("content-type", "").startswith("text/html")
                headers["content-security-policy"] = DOCS_CSP if html else API_CSP
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            error_log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:  # too late for a problem document: the client sees a cut response
                raise
            detail = "The server failed to answer this request; the error has been logged."
            response = problem_response(Request(scope), 500, detail)
            await response(scope, receive, send_with_headers)
        finally:
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "query": scope["query_string"].decode("latin-1"),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 3),
                    "client": scope["client"][0] if scope.get("client") else None,
                    "request_id": current,
                },
            )
            request_id.reset(token)


GZIP_MINIMUM = 1024
CACHED_TYPES = ("application/json", "application/atom+xml")
DEFAULT_CACHE_CONTROL = "public, max-age=60"


def _tags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header, compared weakly (RFC 9110 §13.1.2) and without
    the `-gzip` mark that tells the two encodings apart."""
    tags = set()
    for part in header.split(","):
        tag = part.strip().removeprefix("W/")
        tags.add(tag.replace('-gzip"', '"'))
    return tags


def _accepts_gzip(header: str) -> bool:
    """Whether Accept-Encoding admits gzip (`gzip;q=0` refuses it)."""
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            weight = params.strip()
            try:
                return not weight.startswith("q=") or float(weight[2:]) > 0
            except ValueError:
                return False
    return False


class Representation:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        start: MutableMapping[str, Any] | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = Headers(raw=message["headers"]).get("content-type", "")
                if message["status"] == 200 and content_type.startswith(CACHED_TYPES):
                    start = message  # hold it until the whole body is here
                    return
                await send(message)
            elif start is None:
                await send(message)
            else:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._finish(start, b"".join(chunks), request_headers, send)

        await self.app(scope, receive, buffered)

    async def _finish(
        self, start: MutableMapping[str, Any], body: bytes, request: Headers, send: Send
    ) -> None:
        headers = MutableHeaders(scope=start)
        headers.add_vary_header("Accept-Encoding")
        headers.setdefault("cache-control", DEFAULT_CACHE_CONTROL)
        digest = hashlib.blake2b(body, digest_size=16).hexdigest()
        compress = len(body) >= GZIP_MINIMUM and _accepts_gzip(request.get("accept-encoding", ""))
        headers["etag"] = f'"{digest}-gzip"' if compress else f'"{digest}"'
        wanted = request.get("if-none-match")
        if wanted is not None and (f'"{digest}"' in _tags(wanted) or "*" in _tags(wanted)):
            del headers["content-length"]
            del headers["content-type"]
            start["status"] = 304
            await send(start)
            await send({"type": "http.response.body", "body": b""})
            return
        if compress:
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers["content-encoding"] = "gzip"
        headers["content-length"] = str(len(body))
        await send(start)
        await send({"type": "http.response.body", "body": body})
