"""X-Request-ID, the access log, and the last-resort 500 problem for an unexpected error."""

import logging
import os
import re
import time

from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from app.errors import problem_response
from app.logs import request_id
from app.middleware.headers import HttpMiddleware, get
from app.reader import LANE

access_log = logging.getLogger("pressroom.access")
error_log = logging.getLogger("pressroom.errors")

_VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


class RequestLog(HttpMiddleware):
    """Takes the client's X-Request-ID when it is sane (else makes one), echoes it, logs each
    request with it; an exception no handler answered becomes a 500 problem, and is logged."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = get(scope["headers"], b"x-request-id")
        if given is not None and _VALID_REQUEST_ID.fullmatch(given):
            current = given.decode("latin-1")
        else:
            current = os.urandom(16).hex()
        echoed = (b"x-request-id", current.encode("latin-1"))
        token = request_id.set(current)
        start = time.perf_counter()
        status, started = 500, False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message["headers"] = [*message.get("headers", ()), echoed]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            error_log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:  # too late for a problem document: the client sees a cut answer
                raise
            detail = "The server failed to answer this request; the error has been logged."
            await problem_response(Request(scope), 500, detail)(scope, receive, send_with_id)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                _log(scope, status, start, current)
            request_id.reset(token)


def _log(scope: Scope, status: int, start: float, current: str) -> None:
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
            "lane": scope.get(LANE),  # where its reads ran (app/reader.py), None when none did
        },
    )
