# Pressroom: the API on its embedded SQLite database, kept on the /data volume.
# Two stages: the builder installs exactly the locked set with uv; the runtime has no build tools.

FROM python:3.11-slim-bookworm AS builder

RUN pip install --no-cache-dir --disable-pip-version-check uv==0.13.9
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_SYSTEM_CERTS=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Dependencies first, in their own layer: it is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project
COPY README.md ./
COPY app ./app
# the wheel carries the seed the OpenAPI examples are made from
COPY seeds ./seeds
RUN uv sync --locked --no-dev --no-editable


FROM python:3.11-slim-bookworm

RUN groupadd --system --gid 10001 pressroom \
 && useradd --system --uid 10001 --gid pressroom --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin pressroom \
 && mkdir /data \
 && chown pressroom:pressroom /data

WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY alembic.ini ./
COPY migrations ./migrations
COPY seeds ./seeds

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/pressroom.db \
    WEB_CONCURRENCY=auto \
    HOST=0.0.0.0 \
    PORT=8000

VOLUME ["/data"]
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]

# Migrate, load the shipped seeds (idempotent), then serve; uvicorn exits 0 on SIGTERM.
CMD ["pressroom", "serve", "--migrate", "--ingest", "/app/seeds"]
