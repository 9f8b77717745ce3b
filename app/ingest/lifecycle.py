"""A release's life after ingestion: withdrawn (out of the list, search and feeds, answered 410,
its keys kept), restored, purged (its text and every version erased; a tombstone remains). The
`pressroom withdraw|restore|purge` commands, and ingestion for a JSON Lines line that withdraws its
release, change states through here, in the writer's transaction, each change noted in the change
log (app/ingest/changes.py)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, bindparam, delete, or_, select, update

from app.ingest import links
from app.ingest.changes import ChangeLog
from app.models import (
    ChangeKind,
    State,
    press_release,
    press_release_passage,
    press_release_version,
)
from app.reads import member_of
from app.search import index, side_index

c = press_release.c

_WITHDRAW = (
    update(press_release)
    .where(c.id == bindparam("_id"))
    .values(
        state=State.WITHDRAWN.value,
        withdrawn_at=bindparam("at"),
        withdrawal_reason=bindparam("reason"),
    )
)
_RESTORE = (
    update(press_release)
    .where(member_of(c.id, "ids"))
    .values(state=State.PUBLISHED.value, withdrawn_at=None, withdrawal_reason=None)
)
# A tombstone keeps the keys (never given to another release), the date, source and language (for
# the Atom feed's tombstones and its filters) and when it was purged; nothing of the text.
_PURGE = (
    update(press_release)
    .where(member_of(c.id, "ids"))
    .values(
        title="",
        body="",
        lead="",
        word_count=0,
        content_hash="",
        change_note=None,
        state=State.PURGED.value,
        withdrawn_at=bindparam("at"),
        withdrawal_reason=None,
    )
)
_ERASE_VERSIONS = delete(press_release_version).where(
    member_of(press_release_version.c.release_id, "ids")
)
_ERASE_PASSAGES = delete(press_release_passage).where(
    member_of(press_release_passage.c.release_id, "ids")
)
_SQLITE_MERGE = (
    "INSERT INTO press_release_passage_fts(press_release_passage_fts) VALUES ('optimize')"
)


def withdraw(
    connection: Connection,
    log: ChangeLog,
    releases: Sequence[tuple[int, str]],
    at: datetime,
    *,
    indexed: bool = True,
) -> None:
    """Withdraw these (id, reason) releases: out of the index (unless they are not in it:
    `indexed`), their rows kept as they are."""
    if not releases:
        return
    ids = [id_ for id_, _ in releases]
    if indexed:
        index.remove(connection, ids)
    rows = [{"_id": id_, "reason": reason, "at": at} for id_, reason in releases]
    connection.execute(_WITHDRAW, rows)
    log.note(ChangeKind.WITHDRAWN, ids, at)


def restore(connection: Connection, log: ChangeLog, ids: Sequence[int], at: datetime) -> None:
    """Publish these withdrawn releases again, as they were: back in the index."""
    if not ids:
        return
    connection.execute(_RESTORE, {"ids": list(ids)})
    index.add(connection, index.stored(connection, ids))
    log.note(ChangeKind.RESTORED, ids, at)


def purge(
    connection: Connection, log: ChangeLog, releases: Sequence[tuple[int, State]], at: datetime
) -> None:
    """Erase these (id, state) releases' text, versions and passages: a tombstone remains."""
    if not releases:
        return
    ids = [id_ for id_, _ in releases]
    index.remove(connection, [id_ for id_, state in releases if state is State.PUBLISHED])
    index.scrub(connection)
    connection.execute(_ERASE_VERSIONS, {"ids": ids})
    connection.execute(_ERASE_PASSAGES, {"ids": ids})
    links.forget(connection, ids)
    connection.execute(_PURGE, {"ids": ids, "at": at})
    if connection.dialect.name == "sqlite":
        # FTS5 forgets a row by a delete marker until its segments merge: merged now, the
        # passage index holds no word of the purged text (PostgreSQL's dead row goes at the next
        # VACUUM; tantivy's deleted document with the merge of its segment, which tantivy's
        # merge policy schedules itself: tantivy-py offers no call to force one).
        connection.exec_driver_sql(_SQLITE_MERGE)
    log.note(ChangeKind.PURGED, ids, at)


# The commands: resolve each key, change what is to change, say what was done.


@dataclass(frozen=True, slots=True)
class Found:
    id: int
    external_id: str
    slug: str
    state: State

    def __str__(self) -> str:
        return f"{self.id} ({self.external_id})"


_BY_KEY = select(c.id, c.external_id, c.slug, c.state).where(
    or_(c.id == bindparam("id"), c.slug == bindparam("key"), c.external_id == bindparam("key"))
)


def find(connection: Connection, key: str) -> Found | str:
    """The release whose id, slug or external id is `key`; or why there is none to act on."""
    number = int(key) if key.isascii() and key.isdigit() and len(key) < 19 else -1
    rows = connection.execute(_BY_KEY, {"id": number, "key": key}).all()
    found = [Found(row.id, row.external_id, row.slug, State(row.state)) for row in rows]
    if not found:
        return f"no release has the id, slug or external id {key!r}"
    if len(found) > 1:
        names = " and ".join(str(f) for f in found)
        return f"{key!r} names more than one release ({names}): name it by another of its keys"
    return found[0]


Action = str  # "withdraw", "restore" or "purge"
_DONE = {"withdraw": "withdrawn", "restore": "restored", "purge": "purged"}


@dataclass(slots=True)
class CommandReport:
    """What a command did: a line per release acted on or left alone, and the keys it refused."""

    done: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        return 1 if self.errors else 0


def _refusal(action: Action, release: Found) -> str | None:
    """Why `action` cannot be done to this release (None: it can)."""
    if action == "restore" and release.state is State.PURGED:
        return f"{release} was purged: its text is gone and cannot be restored"
    return None


def _left_alone(action: Action, release: Found) -> str | None:
    """Why `action` leaves this release as it is (None: it acts): it is there already."""
    if release.state is State.PURGED:
        return f"{release} is purged already"
    if action == "withdraw" and release.state is State.WITHDRAWN:
        return f"{release} is withdrawn already (restore it to publish it again)"
    if action == "restore" and release.state is State.PUBLISHED:
        return f"{release} is published already"
    return None


def change_state(
    engine: Engine, action: Action, keys: Sequence[str], reason: str | None = None
) -> CommandReport:
    """`action` on the releases named by `keys`, in one transaction that keeps every change it
    can make: an unknown key is reported and the others are still acted on."""
    outcome = CommandReport()
    with engine.connect() as connection, side_index.writing(connection) as index_writes:
        with connection.begin():
            _change(connection, action, keys, reason, outcome)
        side_index.commit(connection, index_writes)
    return outcome


def _change(
    connection: Connection,
    action: Action,
    keys: Sequence[str],
    reason: str | None,
    outcome: CommandReport,
) -> None:
    now = datetime.now(UTC)
    index.require_fresh(connection)
    log = ChangeLog(connection)
    chosen: dict[int, Found] = {}
    for key in keys:
        found = find(connection, key)
        if isinstance(found, str):
            outcome.errors.append(found)
            continue
        if (refused := _refusal(action, found)) is not None:
            outcome.errors.append(refused)
            continue
        if (leave := _left_alone(action, found)) is not None:
            outcome.done.append(leave)
        elif found.id not in chosen:
            chosen[found.id] = found
            outcome.done.append(f"{_DONE[action]} {found}")
    targets = list(chosen.values())
    if action == "withdraw":
        withdraw(connection, log, [(r.id, reason or "") for r in targets], now)
    elif action == "restore":
        restore(connection, log, [r.id for r in targets], now)
    else:
        purge(connection, log, [(r.id, r.state) for r in targets], now)
    log.publish()
