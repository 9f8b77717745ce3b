"""Idempotent upsert by external id, a batch at a time. The caller owns the transaction (one per
run): nothing here commits."""

import enum
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Connection, MetaData, Table, Text, bindparam, insert, select, update

from app.ingest.normalize import Release
from app.models import PressRelease

table = PressRelease.__table__  # type: ignore[attr-defined]  # SQLModel declares no type for it
c = table.c

# The external ids this run has stored, and where each came from: a second release with the same
# id in one run is a mistake to report, not an update. A temporary table keeps memory flat however
# large the run (a million ids would take hundreds of MB in a Python dict).
seen = Table(
    "ingest_seen",
    MetaData(),
    Column("external_id", Text, primary_key=True),
    Column("location", Text, nullable=False),
    prefixes=["TEMPORARY"],
)

OPTIMIZE_AFTER = 1000

_SEEN_BEFORE = select(seen.c.external_id, seen.c.location).where(
    seen.c.external_id.in_(bindparam("ids", expanding=True))
)
_EXISTING = select(c.external_id, c.id, c.content_hash).where(
    c.external_id.in_(bindparam("ids", expanding=True))
)
_TAKEN_SLUGS = select(c.slug).where(c.slug.in_(bindparam("slugs", expanding=True)))
_UPDATE = (
    update(table)
    .where(c.id == bindparam("_id"))
    .values(
        {
            name: bindparam(name)
            for name in (
                "title",
                "published_on",
                "source",
                "language",
                "body",
                "lead",
                "word_count",
                "content_hash",
                "updated_at",
            )
        }
    )
)


class Outcome(enum.StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def begin_run(connection: Connection) -> None:
    seen.create(connection)


def end_run(connection: Connection) -> None:
    seen.drop(connection)


def _content(release: Release, now: datetime) -> dict[str, Any]:
    return {
        "title": release.title,
        "published_on": release.published_on,
        "source": release.source,
        "language": release.language,
        "body": release.body,
        "lead": release.lead,
        "word_count": release.word_count,
        "content_hash": release.content_hash,
        "updated_at": now,
    }


def upsert_batch(
    connection: Connection, batch: Sequence[tuple[str, Release]]
) -> list[Outcome | str]:
    """Store each (location, release) of the batch; for each, its outcome, or the reason it was
    rejected (its external id came earlier in the run). Five statements for the whole batch."""
    ids = [release.external_id for _, release in batch]
    earlier: dict[str, str] = {
        row.external_id: row.location for row in connection.execute(_SEEN_BEFORE, {"ids": ids})
    }
    reasons: list[str | None] = []  # why each release is rejected; None when it is not
    accepted: dict[str, tuple[str, Release]] = {}
    for location, release in batch:
        first = earlier.get(release.external_id) or (
            accepted[release.external_id][0] if release.external_id in accepted else None
        )
        if first is None:
            accepted[release.external_id] = (location, release)
            reasons.append(None)
        else:
            reasons.append(f"duplicate external id {release.external_id!r}: {first} has it already")
    if not accepted:
        return [reason or "" for reason in reasons]
    connection.execute(
        insert(seen), [{"external_id": i, "location": loc} for i, (loc, _) in accepted.items()]
    )

    existing = {
        row.external_id: row for row in connection.execute(_EXISTING, {"ids": list(accepted)})
    }
    now = datetime.now(UTC)
    outcomes: dict[str, Outcome] = {}
    inserts: list[Release] = []
    updates: list[dict[str, Any]] = []
    for external_id, (_, release) in accepted.items():
        row = existing.get(external_id)
        if row is None:
            inserts.append(release)
            outcomes[external_id] = Outcome.ADDED
        elif row.content_hash == release.content_hash:
            outcomes[external_id] = Outcome.UNCHANGED
        else:
            # The slug is kept: links to a release must survive an edit of its title.
            updates.append(_content(release, now) | {"_id": row.id})
            outcomes[external_id] = Outcome.UPDATED
    if inserts:
        connection.execute(
            insert(table),
            [
                _content(release, now)
                | {"external_id": release.external_id, "slug": slug, "ingested_at": now}
                for release, slug in zip(inserts, _free_slugs(connection, inserts), strict=True)
            ],
        )
    if updates:
        connection.execute(_UPDATE, updates)

    return [
        outcomes[release.external_id] if reason is None else reason
        for (_, release), reason in zip(batch, reasons, strict=True)
    ]


def _free_slugs(connection: Connection, releases: list[Release]) -> list[str]:
    """Each release's slug, made unique by its external id when another release (stored, or
    earlier in the batch) already has it."""
    wanted = [release.slug() for release in releases]
    taken = set(connection.execute(_TAKEN_SLUGS, {"slugs": wanted}).scalars())
    slugs = []
    for release, slug in zip(releases, wanted, strict=True):
        free = slug if slug not in taken else release.disambiguated_slug()
        taken.add(free)
        slugs.append(free)
    return slugs


def optimize_index(connection: Connection) -> None:
    """Merge the FTS5 index's segments into one after a bulk load (the sqlite-utils recipe): a
    load of 100,000 releases leaves hundreds, and every query pays for reading each of them."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            "INSERT INTO press_release_fts(press_release_fts) VALUES ('optimize')"
        )
