"""Idempotent upsert by external id, a batch at a time. The caller owns the transaction (one per
run): nothing here commits."""

import enum
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    update,
)
from sqlalchemy.exc import DBAPIError

from app.db import insert_rows
from app.ingest import lifecycle
from app.ingest.analysis import Prepared
from app.ingest.changes import ChangeLog
from app.ingest.links import Links
from app.ingest.normalize import Release
from app.models import (
    KEYS,
    LIFECYCLE,
    ChangeKind,
    PressRelease,
    PressReleaseVersion,
    State,
    press_release,
    press_release_passage,
    press_release_version,
)
from app.reads import member_of
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
    member_of(seen.c.external_id, "ids")
)
_EXISTING = select(c.external_id, c.id, c.content_hash, c.state).where(
    member_of(c.external_id, "ids")
)
_TAKEN_SLUGS = select(c.slug).where(member_of(c.slug, "slugs"))
_IDS = select(c.external_id, c.id).where(member_of(c.external_id, "ids"))
_FORGET_PASSAGES = delete(passage).where(member_of(passage.c.release_id, "ids"))
# What a new version of a release changes: every stored field but its keys, its first ingest
# and its life cycle; the version number goes up by one.
CONTENT = tuple(name for name in PressRelease.model_fields if name not in KEYS + LIFECYCLE)
_UPDATE = (
    update(table)
    .where(c.id == bindparam("_id"))
    .values({name: bindparam(name) for name in CONTENT} | {"version": c.version + 1})
)
# Before a release changes, its current version joins its earlier ones.
_VERSION_FIELDS = [name for name in PressReleaseVersion.model_fields if name != "release_id"]
_KEEP_VERSIONS = insert(press_release_version).from_select(
    ["release_id", *_VERSION_FIELDS],
    select(c.id, *(c[name] for name in _VERSION_FIELDS)).where(member_of(c.id, "ids")),
)


class Outcome(enum.StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    WITHDRAWN = "withdrawn"  # the line withdrew its release (new, changed or not)
    # The release is withdrawn or purged: ingestion leaves it as it is (its content too), so that a
    # release taken down never comes back by a later run of the same input. `pressroom restore`
    # publishes a withdrawn one again.
    LEFT_WITHDRAWN = "left_withdrawn"


@dataclass(slots=True)
class Run:
    """What a run holds between its batches."""

    postgres: bool
    changes: ChangeLog
    links: Links
    bulk: bool  # the index's entries wait to be settled after each batch (index.bulk_writes)
    # The words this run has added to the vocabulary already (a batch's words are mostly the
    # batch before's; looking each up again cost 75 ms a batch). Bounded: emptied when full.
    learnt: set[str] = field(default_factory=set)


def begin_run(connection: Connection) -> Run:
    index.require_fresh(connection)
    seen.create(connection)
    return Run(
        postgres=connection.dialect.name == "postgresql",
        changes=ChangeLog(connection),
        links=Links(connection),
        bulk=index.bulk_writes(connection),
    )


def end_run(connection: Connection, run: Run) -> None:
    """The run's releases are linked, and its changes join the change log, numbered: the caller
    commits next."""
    seen.drop(connection)
    run.links.finish()
    run.changes.publish()


LEARNT_WORDS = 500_000


def _learn(connection: Connection, run: Run, words: list[str]) -> None:
    """These words (of a batch's analysis) join the vocabulary that bounds prefix terms
    (app/search/expansions.py) and that "did you mean" reads (app/models.py's search_term). It
    only grows: a word no release holds any more still counts, which errs on the side of
    refusing a prefix."""
    new = [word for word in words if word not in run.learnt]
    if not new:
        return
    if len(run.learnt) + len(new) > LEARNT_WORDS:
        run.learnt.clear()
    run.learnt.update(new)
    index.learn(connection, new)


_STORED = tuple(name for name in CONTENT if name != "updated_at")
_STORED_OF = operator.attrgetter(*_STORED)  # one C call for every field, not one getattr each


def _content(release: Release, now: datetime) -> dict[str, Any]:
    """The row's CONTENT fields: the release's own, changed `now`."""
    row = dict(zip(_STORED, _STORED_OF(release), strict=True))
    row["updated_at"] = now
    return row


def upsert_batch(
    connection: Connection,
    run: Run,
    batch: Sequence[tuple[str, Release]],
    prepared: Prepared,
) -> list[Outcome | str]:
    """Store each (location, release) of the batch; for each, its outcome, or the reason it was
    rejected (its external id came earlier in the run). A handful of statements per batch.
    `prepared` holds the releases' analysis, by external id (app/ingest/analysis.py)."""
    reasons, accepted = _first_occurrences(connection, batch)
    for release in accepted:
        release.knowing(*prepared.derived[release.external_id])
    outcomes = _write_each_that_fits(connection, run, accepted, prepared) if accepted else {}
    if run.bulk and accepted:
        index.settle(connection)
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
    prepared: Prepared,
) -> dict[str, Outcome | str]:
    """`_write`, in a savepoint; when PostgreSQL cannot index a release of the batch, the batch
    again one release at a time, the ones it cannot index rejected and the others kept."""
    if not run.postgres:  # SQLite's FTS5 has no such limit
        return dict(_write(connection, run, releases, prepared))
    try:
        with connection.begin_nested():
            return dict(_write(connection, run, releases, prepared))
    except DBAPIError as error:
        if not _too_long(error):
            raise
    outcomes: dict[str, Outcome | str] = {}
    for release in releases:
        try:
            with connection.begin_nested():
                outcomes |= _write(connection, run, [release], prepared)
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
    insert_rows(connection, seen, new_seen)
    return reasons, accepted


@dataclass(slots=True)
class _Plan:
    """What one batch is to write: each release's outcome, and the rows to change."""

    outcomes: dict[str, Outcome]
    inserts: list[Release]
    updates: list[tuple[int, Release]]
    withdrawals: list[tuple[int, str]]  # published releases their line withdraws as they are
    statements: list[tuple[int, Release]]  # unchanged releases whose line names a translation


def _plan(connection: Connection, releases: list[Release]) -> _Plan:
    ids = [release.external_id for release in releases]
    existing = {row.external_id: row for row in connection.execute(_EXISTING, {"ids": ids})}
    plan = _Plan({}, [], [], [], [])
    for release in releases:
        row = existing.get(release.external_id)
        withdraws = release.withdrawal is not None
        outcome = Outcome.WITHDRAWN if withdraws else Outcome.UPDATED
        if row is None:
            plan.inserts.append(release)
            outcome = Outcome.WITHDRAWN if withdraws else Outcome.ADDED
        elif row.state != State.PUBLISHED:
            again = withdraws and row.state == State.WITHDRAWN
            outcome = Outcome.UNCHANGED if again else Outcome.LEFT_WITHDRAWN
        elif row.content_hash != release.content_hash:
            # The slug is kept: links to a release must survive an edit of its title.
            plan.updates.append((row.id, release))
        elif withdraws:
            plan.withdrawals.append((row.id, release.withdrawal or ""))
        else:
            outcome = Outcome.UNCHANGED
            if release.translation_of is not None:
                plan.statements.append((row.id, release))
        plan.outcomes[release.external_id] = outcome
    return plan


def _write(
    connection: Connection,
    run: Run,
    releases: list[Release],
    prepared: Prepared,
) -> dict[str, Outcome]:
    """Insert the new releases, update the changed ones (their current version kept), withdraw
    the ones their line withdraws, leave the rest alone; note every change, and what is to be
    linked."""
    plan = _plan(connection, releases)
    now = datetime.now(UTC)
    analysed = prepared.analysed
    written = _insert(connection, plan.inserts, analysed, now) if plan.inserts else []
    if plan.updates:
        written += _update(connection, run.links, plan.updates, analysed, now)
    run.links.written(written, prepared.bands)
    run.links.stated(plan.statements)
    run.changes.note(ChangeKind.CREATED, [i for i, _, updated in written if not updated], now)
    run.changes.note(ChangeKind.UPDATED, [i for i, _, updated in written if updated], now)
    # the new and changed releases withdrawn by their line: never indexed in this version
    withdrawn = [(i, release.withdrawal) for i, release, _ in written if release.withdrawal]
    lifecycle.withdraw(connection, run.changes, withdrawn, now, indexed=False)
    lifecycle.withdraw(connection, run.changes, plan.withdrawals, now)
    if written:
        _learn(connection, run, prepared.words)
    return plan.outcomes


Written = list[tuple[int, Release, bool]]  # (id, release, whether it was an update)


def _insert(
    connection: Connection,
    inserts: list[Release],
    analysed: Mapping[str, index.Analysed],
    now: datetime,
) -> Written:
    insert_rows(
        connection,
        table,
        [
            _content(release, now)
            | {"external_id": release.external_id, "slug": slug, "ingested_at": now}
            for release, slug in zip(inserts, _free_slugs(connection, inserts), strict=True)
        ],
    )
    by_id = {release.external_id: release for release in inserts}
    new = [
        (row.id, by_id[row.external_id]) for row in connection.execute(_IDS, {"ids": list(by_id)})
    ]
    _renew_index(connection, new, analysed)
    return [(release_id, release, False) for release_id, release in new]


def _update(
    connection: Connection,
    links: Links,
    updates: list[tuple[int, Release]],
    analysed: Mapping[str, index.Analysed],
    now: datetime,
) -> Written:
    changed = [release_id for release_id, _ in updates]
    before = index.stored(connection, changed)
    index.forget(connection, before)
    links.changing([(release.id, release.body) for release in before])
    connection.execute(_KEEP_VERSIONS, {"ids": changed})
    rows = [_content(release, now) | {"_id": release_id} for release_id, release in updates]
    connection.execute(_UPDATE, rows)
    connection.execute(_FORGET_PASSAGES, {"ids": changed})
    _renew_index(connection, updates, analysed)
    return [(release_id, release, True) for release_id, release in updates]


def _renew_index(
    connection: Connection,
    releases: list[tuple[int, Release]],
    analysed: Mapping[str, index.Analysed],
) -> None:
    """Store the passages of these releases just written, and index the ones that stay published."""
    rows = [_indexed(release_id, release, analysed) for release_id, release in releases]
    _store_passages(connection, rows)
    index.add(
        connection, [row for row, (_, r) in zip(rows, releases, strict=True) if not r.withdrawal]
    )


def _indexed(
    release_id: int, release: Release, analysed: Mapping[str, index.Analysed]
) -> index.Indexed:
    done = analysed.get(release.external_id)
    return index.Indexed(
        release_id,
        release.title,
        release.body,
        release.language,
        release.published_on,
        release.source,
        done,
    )


def _store_passages(connection: Connection, releases: list[index.Indexed]) -> None:
    """The passages of the long ones among these releases: app/search/passages.py."""
    rows = [row for release in releases for row in passage_rows(release.id, release.body)]
    insert_rows(connection, passage, rows)


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
    """Merge the passage index's FTS5 segments into one after a bulk load (the sqlite-utils
    recipe): a large load leaves hundreds, and every snippet of a long release pays for each."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            "INSERT INTO press_release_passage_fts(press_release_passage_fts) VALUES ('optimize')"
        )
