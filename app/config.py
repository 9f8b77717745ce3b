"""Settings, read from the environment. Nothing here is built at import time: callers make a
`Settings()` and pass it on, so a test can point the whole app at its own database."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    web_concurrency: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes.")
    cors_origins: str = Field(
        default="*", description="Comma-separated origins allowed to call the API from a browser."
    )
    log_level: str = Field(default="info", description="debug, info, warning or error.")
    query_timeout_seconds: float = Field(
        default=2.0, gt=0, description="A query running longer is stopped: the client gets a 503."
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
    def pool_size(self) -> int:
        """Serving connections per worker: the instance's budget shared by its workers."""
        return max(2, self.database_max_connections // self.web_concurrency)

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]
