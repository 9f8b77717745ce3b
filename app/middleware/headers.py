"""Headers as ASGI carries them (a list of lowercase name, value byte pairs), and the shape of
every middleware here."""

from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

Header = tuple[bytes, bytes]


def get(headers: Sequence[Header], name: bytes) -> bytes | None:
    return next((value for key, value in headers if key == name), None)


def without(headers: Sequence[Header], *names: bytes) -> list[Header]:
    return [(key, value) for key, value in headers if key not in names]


def vary(headers: Sequence[Header], *fields: bytes) -> list[Header]:
    """Vary naming `fields` first, then whatever else it named (one header line, no repeats)."""
    named = [part.strip() for key, value in headers if key == b"vary" for part in value.split(b",")]
    wanted = {field.lower() for field in fields}
    others = [name for name in named if name and name.lower() not in wanted]
    return [*without(headers, b"vary"), (b"vary", b", ".join([*fields, *others]))]


class HttpMiddleware:
    """A pure ASGI middleware for HTTP requests (`http`); the rest (lifespan) passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
