"""Idempotent upsert by external id, a batch at a time. The caller owns the transaction (one per
run): nothing here commits."""

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    Table,
    Text,
    bindparam,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError

from app.ingest.normalize import Release
from app.models import PressRelease, press_release, press_release_passage
from app.search import index
from app.search.passages import passage_rows

table = press_release
c = table.c
passage = press_release_passage

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
_IDS = select(c.external_id, c.id).where(c.external_id.in_(bindparam("ids", expanding=True)))
_FORGET_PASSAGES = delete(passage).where(passage.c.release_id.in_(bindparam("ids", expanding=True)))
# PostgreSQL: the lexemes of the releases just written join the vocabulary that bounds prefix
# terms (app/search/expansions.py; SQLite reads its FTS index's own). It only grows: a word no
# release holds any more still counts, which errs on the side of refusing a prefix.
_LEARN_TERMS = text(
    "INSERT INTO search_term (term) SELECT DISTINCT unnest(tsvector_to_array(s.search_vector)) "
    "FROM press_release_search AS s JOIN press_release AS r ON r.id = s.id "
    "WHERE r.external_id IN :ids ON CONFLICT DO NOTHING"
).bindparams(bindparam("ids", expanding=True))
# What a new version of a release changes: every stored field but its keys and its first ingest.
KEYS = {"id", "external_id", "slug", "ingested_at"}
CONTENT = tuple(name for name in PressRelease.model_fields if name not in KEYS)
_UPDATE = (
    update(table)
    .where(c.id == bindparam("_id"))
    .values({name: bindparam(name) for name in CONTENT})
)


class Outcome(enum.StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class StaleIndex(Exception):
    """The search index was built by another version of the text analyser."""


@dataclass(slots=True)
class Run:
    """What a run holds between its batches."""

    postgres: bool


def begin_run(connection: Connection) -> Run:
    if (why := index.stale(connection)) is not None:
        raise StaleIndex(why)
    seen.create(connection)
    return Run(postgres=connection.dialect.name == "postgresql")


def end_run(connection: Connection, run: Run) -> None:
    seen.drop(connection)


def _content(release: Release, now: datetime) -> dict[str, Any]:
    """The row's CONTENT fields: the release's own, changed `now`."""
    return {name: now if name == "updated_at" else getattr(release, name) for name in CONTENT}


def upsert_batch(
    connection: Connection,
    run: Run,
    batch: Sequence[tuple[str, Release]],
    analysed: Mapping[str, index.Analysed] | None = None,
) -> list[Outcome | str]:
    """Store each (location, release) of the batch; for each, its outcome, or the reason it was
    rejected (its external id came earlier in the run). A handful of statements per batch.
    `analysed` holds the releases' analysis for the index, by external id, where it was made
    beforehand (app/ingest/analysis.py)."""
    reasons, accepted = _first_occurrences(connection, batch)
    done = analysed or {}
    outcomes = _write_each_that_fits(connection, run, accepted, done) if accepted else {}
    return [
        outcomes[release.external_id] if reason is None else reason
        for (_, release), reason in zip(batch, reasons, strict=True)
    ]


# PostgreSQL holds at most 1 MB of lexemes and positions in one tsvector: a long release with
# a large vocabulary (several MB of distinct words) cannot be indexed, and the whole run would fail
# on it ("string is too long for tsvector", SQLSTATE 54000, program_limit_exceeded).
TOO_MANY_WORDS = (
    "its text holds more distinct words than PostgreSQL's full-text index can keep for one "
    "release (1 MB of words and positions): split it into several releases"
)


def _write_each_that_fits(
    connection: Connection,
    run: Run,
    releases: list[Release],
    analysed: Mapping[str, index.Analysed],
) -> dict[str, Outcome | str]:
    """`_write`, in a savepoint; when PostgreSQL cannot index a release of the batch, the batch
    again one release at a time, the ones it cannot index rejected and the others kept."""
    if not run.postgres:  # SQLite's FTS5 has no such limit
        return dict(_write(connection, run, releases, analysed))
    try:
        with connection.begin_nested():
            return dict(_write(connection, run, releases, analysed))
    except DBAPIError as error:
        if not _too_long(error):
            raise
    outcomes: dict[str, Outcome | str] = {}
    for release in releases:
        try:
            with connection.begin_nested():
                outcomes |= _write(connection, run, [release], analysed)
        except DBAPIError as error:
            if not _too_long(error):
                raise
            outcomes[release.external_id] = TOO_MANY_WORDS
    return outcomes


def _too_long(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "54000"


def _first_occurrences(
    connection: Connection, batch: Sequence[tuple[str, Release]]
) -> tuple[list[str | None], list[Release]]:
    """Why each release of the batch is rejected (None when it is not), and the accepted ones:
    the first of their external id in this run, now recorded as seen."""
    ids = [release.external_id for _, release in batch]
    first: dict[str, str] = {
        row.external_id: row.location for row in connection.execute(_SEEN_BEFORE, {"ids": ids})
    }
    reasons: list[str | None] = []
    accepted: list[Release] = []
    new_seen: list[dict[str, str]] = []
    for location, release in batch:
        if (where := first.get(release.external_id)) is not None:
            reasons.append(f"duplicate external id {release.external_id!r}: {where} has it already")
            continue
        first[release.external_id] = location
        new_seen.append({"external_id": release.external_id, "location": location})
        accepted.append(release)
        reasons.append(None)
    if new_seen:
        connection.execute(insert(seen), new_seen)
    return reasons, accepted


def _write(
    connection: Connection,
    run: Run,
    releases: list[Release],
    analysed: Mapping[str, index.Analysed],
) -> dict[str, Outcome]:
    """Insert the new releases, update the changed ones, leave the rest alone."""
    ids = [release.external_id for release in releases]
    existing = {row.external_id: row for row in connection.execute(_EXISTING, {"ids": ids})}
    now = datetime.now(UTC)
    outcomes: dict[str, Outcome] = {}
    inserts: list[Release] = []
    updates: list[tuple[int, Release]] = []
    for release in releases:
        row = existing.get(release.external_id)
        if row is None:
            inserts.append(release)
            outcomes[release.external_id] = Outcome.ADDED
        elif row.content_hash == release.content_hash:
            outcomes[release.external_id] = Outcome.UNCHANGED
        else:
            # The slug is kept: links to a release must survive an edit of its title.
            updates.append((row.id, release))
            outcomes[release.external_id] = Outcome.UPDATED
    if inserts:
        connection.execute(
            insert(table),
            [
                _content(release, now)
                | {"external_id": release.external_id, "slug": slug, "ingested_at": now}
                for release, slug in zip(inserts, _free_slugs(connection, inserts), strict=True)
            ],
        )
        by_id = {release.external_id: release for release in inserts}
        stored = connection.execute(_IDS, {"ids": list(by_id)}).all()
        added = [_indexed(row.id, by_id[row.external_id], analysed) for row in stored]
        _store_passages(connection, added)
        index.add(connection, added)
    if updates:
        changed = [release_id for release_id, _ in updates]
        index.forget(connection, index.stored(connection, changed))
        rows = [_content(release, now) | {"_id": release_id} for release_id, release in updates]
        connection.execute(_UPDATE, rows)
        connection.execute(_FORGET_PASSAGES, {"ids": changed})
        renewed = [_indexed(release_id, release, analysed) for release_id, release in updates]
        _store_passages(connection, renewed)
        index.add(connection, renewed)
    written = [e for e, outcome in outcomes.items() if outcome is not Outcome.UNCHANGED]
    if written and run.postgres:
        connection.execute(_LEARN_TERMS, {"ids": written})
    return outcomes


def _indexed(
    release_id: int, release: Release, analysed: Mapping[str, index.Analysed]
) -> index.Indexed:
    done = analysed.get(release.external_id)
    return index.Indexed(release_id, release.title, release.body, release.language, done)


def _store_passages(connection: Connection, releases: list[index.Indexed]) -> None:
    """The passages of the long ones among these releases: app/search/passages.py."""
    rows = [row for release in releases for row in passage_rows(release.id, release.body)]
    if rows:
        connection.execute(insert(passage), rows)


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
