"""The bench archives on PostgreSQL: a database per archive (and extra files), loaded once by
`pressroom ingest` and reused while it is at the head revision, as bench/out/ keeps SQLite's."""

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.schema_version import head_revision, upgrade
from app.search.index import stale


def archive_database(server_url: str, files: Sequence[Path]) -> str:
    """The URL of a database on the server at `server_url` holding exactly `files`."""
    name = "pressroom_bench_" + "_".join(re.sub(r"\W", "", f.stem) for f in files)[:40]
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    server = create_engine(
        make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with server.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if exists and _ready(url):
                return url
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    upgrade(url)
    command = [sys.executable, "-m", "app.cli", "ingest", *map(str, files)]
    subprocess.run(command, env=os.environ | {"DATABASE_URL": url}, check=True)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE"))
        connection.execute(text("CREATE TABLE bench_loaded (done boolean)"))
    engine.dispose()
    return url


def _ready(url: str) -> bool:
    """Whether the database was loaded whole, at the head revision, by this analyser."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            loaded = connection.execute(text("SELECT to_regclass('bench_loaded')")).scalar()
            fresh = loaded is not None and stale(connection) is None
        return revision == head_revision(url) and fresh
    except DBAPIError:
        return False
    finally:
        engine.dispose()
