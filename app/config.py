"""Settings, read from the environment. Nothing here is built at import time: callers make a
`Settings()` and pass it on, so a test can point the whole app at its own database."""

import math
import os
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def available_cpus(cgroup: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """The cores this process may use: its CPU affinity, capped by a cgroup v2 quota where one is
    set (`docker run --cpus 2` on a larger host)."""
    cpus = len(os.sched_getaffinity(0))
    try:
        quota, period = cgroup.read_text().split()
    except (OSError, ValueError):
        return cpus
    if quota == "max":
        return cpus
    return max(1, min(cpus, math.ceil(int(quota) / int(period))))


def _workers(value: object) -> object:
    return available_cpus() if isinstance(value, str) and value.strip() == "auto" else value


Workers = Annotated[int, BeforeValidator(_workers)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str = Field(
        default="sqlite:///./data/pressroom.db",
        description="SQLAlchemy URL of the database; SQLite (default) or postgresql+psycopg://…",
    )
    database_read_url: str | None = Field(
        default=None,
        description="Where the API reads from, e.g. a PostgreSQL read replica; default: "
        "DATABASE_URL. Migrations and ingestion always use DATABASE_URL.",
    )
    database_max_connections: int = Field(
        default=32,
        ge=2,
        le=1000,
        description="The serving connections one API instance may hold, across its workers.",
    )
    host: str = Field(default="127.0.0.1", description="Interface the server listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the server listens on.")
    web_concurrency: Workers = Field(
        default=1, ge=1, le=64, description="uvicorn worker processes, or `auto`: one per core."
    )
    cors_origins: str = Field(
        default="*", description="Comma-separated origins allowed to call the API from a browser."
    )
    log_level: str = Field(default="info", description="debug, info, warning or error.")
    query_timeout_seconds: float = Field(
        default=2.0, gt=0, description="A query running longer is stopped: the client gets a 503."
    )
    query_slice_ms: float = Field(
        default=10,
        gt=0,
        description="SQLite: how long reads run on the event loop before the slow lane.",
    )
    slow_query_threads: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="SQLite: slow-lane threads per worker; default: cores / workers.",
    )
    slow_query_queue: int | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="Reads that may wait for a thread, per worker (SQLite: a slow-lane thread; "
        "PostgreSQL: a pooled connection's), before more are refused with a 503; default: "
        "twice the threads.",
    )
    rank_window: int = Field(
        default=10_000,
        ge=1,
        le=1_000_000,
        description="PostgreSQL: relevance ranks a search's matches this many at a time, the "
        "most recently added first: exact for a match set up to this size, block by block beyond "
        "it. (SQLite's search index ranks the whole match set.)",
    )
    search_budget: int = Field(
        default=500_000,
        ge=1,
        description="The postings (a release holding a word) a search may read, estimated before "
        "it runs; a broader one is refused with a 400. Never less than the archive's size.",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Comma-separated addresses of the reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are trusted, or * for any.",
    )
    max_release_mb: float = Field(
        default=5.0, gt=0, description="Ingestion rejects a release larger than this."
    )
    detect_languages: str = Field(
        default="en,ru,kk",
        description="The languages ingestion tells apart for releases that do not say theirs.",
    )

    @property
    def detect_language_list(self) -> list[str]:
        return [code.strip() for code in self.detect_languages.split(",") if code.strip()]

    @property
    def serving_url(self) -> str:
        return self.database_read_url or self.database_url

    @property
    def slow_threads(self) -> int:
        return self.slow_query_threads or max(1, available_cpus() // self.web_concurrency)

    @property
    def pool_size(self) -> int:
        """Serving connections per worker: the instance's budget shared by its workers, and at
        least one for the fast lane beside each slow-lane thread."""
        return max(self.slow_threads + 1, self.database_max_connections // self.web_concurrency)

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]
