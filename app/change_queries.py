"""The change feed's read: the change log (press_release_change) after a sequence number, in
order, each change with its release's summary as the release is now."""

from typing import Any

from sqlalchemy import bindparam, select

from app import cursors
from app.errors import BadRequest
from app.models import press_release, press_release_change
from app.queries import SUMMARY_COLUMNS
from app.reads import Snapshot, Statement

c = press_release.c
log = press_release_change.c

OWNER = "changes"
_PAGE = Statement(
    select(log.seq, log.kind, log.at, c.state, *SUMMARY_COLUMNS)
    .select_from(press_release_change.join(press_release, c.id == log.release_id))
    .where(log.seq > bindparam("since"))
    .order_by(log.seq)
    .limit(bindparam("limit"))
)


def since(token: str | None) -> int:
    """The sequence number a `since` token stands for (0 without one, or an empty one: the
    beginning)."""
    if not token:
        return 0
    try:
        (seq,) = cursors.decode(token, OWNER, (int,))
    except BadRequest:
        raise BadRequest(
            "The since token is not one this API issued. Pass the `next` of a previous answer "
            "unchanged, or leave since out to start from the first change."
        ) from None
    if seq < 0:
        raise BadRequest("The since token is not one this API issued: leave since out to start.")
    return int(seq)


def token(seq: int) -> str:
    return cursors.encode([seq], OWNER)


def changes(snapshot: Snapshot, after: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` changes after sequence number `after`, in commit order."""
    return snapshot.rows(_PAGE, {"since": after, "limit": limit})
