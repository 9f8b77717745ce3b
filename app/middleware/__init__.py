"""The HTTP conventions around every route, each a small pure ASGI middleware (one concern, one
module), in the one order they must run. `stack(settings)` is that order, outermost first:

1. ProxyHeadersMiddleware (uvicorn's): the client address and scheme from X-Forwarded-For/-Proto,
   from trusted proxies only, so that absolute URLs (Link, url, the feed's links) are right behind
   a reverse proxy. First, so that every layer below sees them.
2. SecurityHeaders: on every answer, the last-resort 500 included.
3. RequestLog: X-Request-ID, the access log (it sees the final status: a 304, a 500), and the
   500 problem for an exception no handler answered. Outside the layers below, so that their
   failures are answered too, without CORS headers (the server's answer, not the route's).
4. ConditionalGet: HEAD, ETag, Cache-Control, 304 and gzip, on the route's answer with its CORS
   headers already added: a 304 keeps them, and Vary names Accept-Encoding before Origin.
5. Cors (Starlette's CORSMiddleware): the preflights, the headers of a cross-origin answer, and
   `Vary: Origin` on every answer, so that no shared cache hands one origin's answer to another.
"""

from starlette.middleware import Middleware
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.middleware.conditional import ConditionalGet
from app.middleware.cors import Cors
from app.middleware.request_log import RequestLog
from app.middleware.security import SecurityHeaders


def stack(*, cors_origins: list[str], trusted_proxies: list[str] | str) -> list[Middleware]:
    """The middlewares, outermost first, as FastAPI(middleware=…) takes them."""
    return [
        Middleware(ProxyHeadersMiddleware, trusted_hosts=trusted_proxies),
        Middleware(SecurityHeaders),
        Middleware(RequestLog),
        Middleware(ConditionalGet),
        Middleware(Cors, origins=cors_origins),
    ]


def wrap(app: ASGIApp, middlewares: list[Middleware]) -> ASGIApp:
    """`app` inside `middlewares` (outermost first), for an ASGI app that is not FastAPI's."""
    for cls, args, options in reversed(middlewares):
        app = cls(app, *args, **options)
    return app
