"""Idempotent upsert by external id. The caller owns the transaction (one per run)."""

import enum
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from app.ingest.normalize import Release
from app.models import PressRelease

table = PressRelease.__table__  # type: ignore[attr-defined]  # SQLModel declares no type for it


class Outcome(enum.StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def upsert(connection: Connection, release: Release) -> Outcome:
    existing = connection.execute(
        select(table.c.id, table.c.content_hash).where(table.c.external_id == release.external_id)
    ).first()
    content = {
        "title": release.title,
        "published_on": release.published_on,
        "source": release.source,
        "language": release.language,
        "body": release.body,
        "lead": release.lead,
        "word_count": release.word_count,
        "content_hash": release.content_hash,
    }
    now = datetime.now(UTC)
    if existing is None:
        connection.execute(
            insert(table).values(
                external_id=release.external_id,
                slug=_free_slug(connection, release),
                ingested_at=now,
                updated_at=now,
                **content,
            )
        )
        return Outcome.ADDED
    if existing.content_hash == release.content_hash:
        return Outcome.UNCHANGED
    # The slug is kept: links to a release must survive an edit of its title.
    connection.execute(
        update(table).where(table.c.id == existing.id).values(updated_at=now, **content)
    )
    return Outcome.UPDATED


OPTIMIZE_AFTER = 1000


def optimize_index(connection: Connection) -> None:
    """Merge the FTS5 index's segments into one after a bulk load (the sqlite-utils recipe): a
    load of 100,000 releases leaves hundreds, and every query pays for reading each of them."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            "INSERT INTO press_release_fts(press_release_fts) VALUES ('optimize')"
        )


def _free_slug(connection: Connection, release: Release) -> str:
    slug = release.slug()
    taken = connection.execute(select(table.c.id).where(table.c.slug == slug)).first()
    return slug if taken is None else release.disambiguated_slug()
