"""Read queries over a release's versions: the current one is the release's row, the earlier ones
rows of press_release_version (app/models.py). Numbers run 1 to the release's `version`, none
missing, so a page of the history is a keyset walk down the numbers and its total is free."""

from typing import Any

from sqlalchemy import bindparam, select

from app import cursors
from app.models import press_release, press_release_version
from app.queries import DETAIL_COLUMNS, LIFECYCLE_COLUMNS, by_key, find
from app.reads import Snapshot, Statement

c = press_release.c
v = press_release_version.c

_HEAD = by_key(c.id, c.version, c.content_hash, c.updated_at, c.change_note, *LIFECYCLE_COLUMNS)
_EARLIER = Statement(
    select(v.version, v.content_hash, v.updated_at, v.change_note)
    .where(v.release_id == bindparam("id"), v.version < bindparam("below"))
    .order_by(v.version.desc())
    .limit(bindparam("limit"))
)
# An earlier version's detail: its own content, the release's keys and first ingest.
_KEPT = ("id", "external_id", "slug", "ingested_at")
_VERSION = Statement(
    select(
        *(c[column.name] if column.name in _KEPT else v[column.name] for column in DETAIL_COLUMNS)
    )
    .select_from(press_release_version.join(press_release, c.id == v.release_id))
    .where(v.release_id == bindparam("id"), v.version == bindparam("version"))
)


def head(snapshot: Snapshot, key: str) -> dict[str, Any] | None:
    """The release's current version and state, by id or slug."""
    row: dict[str, Any] | None = find(snapshot, key, _HEAD)
    return row


def history(
    snapshot: Snapshot, release: dict[str, Any], *, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the release's versions, newest first, and the cursor of the next page."""
    owner = cursors.fingerprint("versions", release["id"])
    below = release["version"] + 1
    if cursor is not None:
        (below,) = cursors.decode(cursor, owner, (int,))
    rows: list[dict[str, Any]] = []
    if below > release["version"]:
        rows.append(
            {
                name: release[name]
                for name in ("version", "content_hash", "updated_at", "change_note")
            }
        )
        below = release["version"]
    wanted = limit + 1 - len(rows)
    rows += snapshot.rows(_EARLIER, {"id": release["id"], "below": below, "limit": wanted})
    if len(rows) <= limit:
        return rows, None
    rows.pop()
    return rows, cursors.encode([rows[-1]["version"]], owner)


def earlier(snapshot: Snapshot, release_id: int, number: int) -> dict[str, Any] | None:
    """An earlier version of a release, whole, as its detail showed it then."""
    row = snapshot.first(_VERSION, {"id": release_id, "version": number})
    if row is not None:
        row["paragraphs"] = row["body"].split("\n\n")
    return row
