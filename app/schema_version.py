"""Migrations from code: the Alembic configuration, upgrading, and the revisions a database is at
and should be at (for `pressroom migrate` and `/readyz`)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, String, text
from sqlalchemy.exc import DBAPIError

from app.reads import ReadFailed, Snapshot, Statement

_REPOSITORY = Path(__file__).resolve().parents[1]


def alembic_config(database_url: str) -> Config:
    """The repository's alembic.ini (looked for in the working directory first, as the plain
    `alembic` command does), pointed at `database_url`."""
    for candidate in (Path.cwd() / "alembic.ini", _REPOSITORY / "alembic.ini"):
        if candidate.is_file():
            config = Config(str(candidate))
            break
    else:
        raise FileNotFoundError(
            "alembic.ini not found: run pressroom from the repository (or image) root"
        )
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def head_revision(database_url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


_REVISION = text("SELECT version_num FROM alembic_version").columns(version_num=String)
_SERVED_REVISION = Statement(_REVISION)


def current_revision(reader: Connection | Snapshot) -> str | None:
    """The database's revision, read by a writer's connection or a request's snapshot; None
    when it was never migrated."""
    try:
        if isinstance(reader, Snapshot):
            revision: str | None = reader.scalar(_SERVED_REVISION)
            return revision
        return reader.execute(_REVISION).scalar()
    except (DBAPIError, ReadFailed):  # no alembic_version table yet
        if isinstance(reader, Connection):
            reader.rollback()
        return None
