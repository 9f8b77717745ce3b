"""The application factory. `create_app(settings)` builds the app; `app` (for
`uvicorn app.main:app`) builds one from the environment on first use, never at import."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from app.config import Settings
from app.db import create_db_engine
from app.errors import install_error_handlers, problem_responses
from app.middleware import stack
from app.openapi import finish_document
from app.reader import Reader
from app.reads import milliseconds
from app.routes import changes, feeds, health, press_releases, related, root, search, versions
from app.schema_version import head_revision

DESCRIPTION = """
Press releases as JSON: list them, read one, search them in full text.

Every error is an [RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) problem document
(`application/problem+json`). Lists and searches are paged by opaque cursors: pass a page's
`next_cursor` (or follow its `Link: rel="next"` header) to get the next one.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # A wait for a SQLite lock cannot be interrupted: it gets the query's limit (the fast lane's
    # connection gets its slice, app/reader.py). So does a PostgreSQL statement, set once per
    # connection (a request that waited for its connection gets what is left, app/reader.py).
    read_engine = create_db_engine(
        settings.serving_url,
        read_only=True,
        pool_size=settings.pool_size,
        busy_timeout_ms=milliseconds(settings.query_timeout_seconds),
        statement_timeout_ms=milliseconds(settings.query_timeout_seconds),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Made here, in the event loop that serves (it holds an asyncio.Semaphore).
        app.state.reader = reader = Reader(
            read_engine,
            pool_size=settings.pool_size,
            timeout_seconds=settings.query_timeout_seconds,
            slice_seconds=settings.query_slice_ms / 1000,
            slow_threads=settings.slow_threads,
            queue=settings.slow_query_queue,
        )
        yield
        reader.close()
        read_engine.dispose()

    # FastAPIOffline serves Swagger UI 5 and ReDoc from the package itself: no CDN.
    app: FastAPI = FastAPIOffline(
        title="Pressroom",
        version=version("pressroom"),
        description=DESCRIPTION,
        lifespan=lifespan,
        middleware=stack(
            cors_origins=settings.cors_origin_list, trusted_proxies=settings.forwarded_allow_ips
        ),
    )
    app.state.settings = settings
    app.state.read_engine = read_engine
    app.state.head_revision = head_revision(settings.database_url)
    install_error_handlers(app)
    finish_document(app)
    documentation = list(app.router.routes)  # FastAPIOffline's: /openapi.json, /docs, /redoc…
    for module in (press_releases, versions, related, search, feeds, changes):
        app.include_router(module.router, responses=problem_responses(500, 503))
    app.include_router(health.router, responses=problem_responses(500))
    app.include_router(root.router, responses=problem_responses(500))
    # The API's routes first: a request for data would otherwise be matched against every route of
    # the documentation first (5% of a detail request, measured).
    api = [route for route in app.router.routes if route not in documentation]
    app.router.routes[:] = [*api, *documentation]
    return app


def __getattr__(name: str) -> Any:
    if name == "app":
        return create_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
