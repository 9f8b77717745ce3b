"""Alembic environment: one history for every engine; revisions branch on the dialect inside."""

import logging.config

from alembic import context
from sqlalchemy import Connection

from app.config import Settings
from app.db import create_db_engine, is_sqlite
from app.models import PressRelease

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = PressRelease.metadata

# The full-text index is made by raw SQL in a revision (SQLite: the FTS5 table and its shadow
# tables; PostgreSQL: a generated tsvector column and its GIN index); autogenerate must not take
# them for things the models lost.
FTS_PREFIXES = ("press_release_fts", "press_release_passage_fts")
POSTGRES_FTS = {
    ("column", "search_vector"),
    ("index", "ix_press_release_search_vector"),
    ("table", "search_term"),
    ("table", "press_release_search"),
}


def include_object(
    _object: object, name: str | None, type_: str, _reflected: bool, _compare_to: object
) -> bool:
    if type_ == "table" and name is not None and name.startswith(FTS_PREFIXES):
        return False
    return (type_, name) not in POSTGRES_FTS


def database_url() -> str:
    # `pressroom migrate` (and the tests) pass the URL in; the plain CLI reads the environment.
    url: str = config.attributes.get("database_url") or Settings().database_url
    return url


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        # SQLite's DDL is transactional: a revision and its version stamp land together or not
        # at all.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    url = database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        include_object=include_object,
        literal_binds=True,
        render_as_batch=is_sqlite(url),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_db_engine(database_url())
    try:
        with engine.connect() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
