"""Reads of the links between releases (app/ingest/links.py): a release's translations and
near-duplicates, as summaries, published ones only."""

from typing import Any

from sqlalchemy import bindparam, select

from app.models import LinkKind, press_release_link
from app.queries import PUBLISHED, SUMMARY_COLUMNS, c, table
from app.reads import Snapshot, Statement

link = press_release_link

_LINKED = Statement(
    select(link.c.kind, *SUMMARY_COLUMNS)
    .select_from(link)
    .join(table, c.id == link.c.other_id)
    .where(link.c.release_id == bindparam("id"), PUBLISHED)
    .order_by(link.c.kind, c.language, c.published_on, c.id)
)
_LINKED_IDS = Statement(select(link.c.other_id).where(link.c.release_id == bindparam("id")))


def linked(snapshot: Snapshot, release_id: int, url_prefix: str) -> dict[str, list[dict[str, Any]]]:
    """The release's published translations and duplicates, as summaries (`url` included), by
    the detail's field: `translations` (by language), `duplicates` (oldest first)."""
    found: dict[str, list[dict[str, Any]]] = {"translations": [], "duplicates": []}
    for row in snapshot.rows(_LINKED, {"id": release_id}):
        kind = row.pop("kind")
        row["url"] = f"{url_prefix}{row['id']}"
        found["translations" if kind == LinkKind.TRANSLATION else "duplicates"].append(row)
    return found


def linked_ids(snapshot: Snapshot, release_id: int) -> set[int]:
    """The ids of every release linked to this one, whatever its state."""
    return {row["other_id"] for row in snapshot.rows(_LINKED_IDS, {"id": release_id})}
