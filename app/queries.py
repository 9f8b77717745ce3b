"""Read queries: list and get. SQLAlchemy Core over the table, rows as plain dicts: the serving path
skips the ORM session and model instances (DESIGN §8); the response model validates once."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select, tuple_

from app import cursors
from app.models import PressRelease

table = PressRelease.__table__  # type: ignore[attr-defined]  # SQLModel declares no type for it
c = table.c

SUMMARY_COLUMNS = (
    c.id,
    c.external_id,
    c.slug,
    c.title,
    c.published_on,
    c.source,
    c.language,
    c.lead,
    c.word_count,
)
DETAIL_COLUMNS = (*SUMMARY_COLUMNS, c.body, c.content_hash, c.ingested_at, c.updated_at)


class DateSort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True, slots=True)
class Filters:
    """The filters that list, search and the feed share."""

    from_date: date | None = None
    to_date: date | None = None
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    def clauses(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.from_date is not None:
            where.append(c.published_on >= self.from_date)
        if self.to_date is not None:
            where.append(c.published_on <= self.to_date)
        if self.sources:
            where.append(c.source.in_(self.sources))
        if self.languages:
            where.append(c.language.in_(self.languages))
        return where


NO_FILTERS = Filters()


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[dict[str, Any]]
    total: int
    next_cursor: str | None


def list_releases(
    connection: Connection,
    *,
    limit: int,
    sort: DateSort = DateSort.NEWEST,
    filters: Filters = NO_FILTERS,
    cursor: str | None = None,
) -> Page:
    """A page in date order, ties broken by id, so that a release inserted between two requests
    never makes a row repeat or vanish across pages."""
    owner = cursors.fingerprint("list", sort, filters)
    where = filters.clauses()
    total = connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
    newest = sort is DateSort.NEWEST
    key = tuple_(c.published_on, c.id)
    if cursor is not None:
        last = cursors.decode(cursor, owner, (date, int))
        where.append(key < tuple_(*last) if newest else key > tuple_(*last))
    order = (c.published_on.desc(), c.id.desc()) if newest else (c.published_on, c.id)
    query: Select[Any] = select(*SUMMARY_COLUMNS).where(*where).order_by(*order).limit(limit + 1)
    rows = [dict(row._mapping) for row in connection.execute(query)]
    next_cursor = None
    if len(rows) > limit:
        rows.pop()
        next_cursor = cursors.encode([rows[-1]["published_on"].isoformat(), rows[-1]["id"]], owner)
    return Page(rows=rows, total=total, next_cursor=next_cursor)


def get_release(connection: Connection, *, key: str) -> dict[str, Any] | None:
    """The release whose id (all ASCII digits) or slug is `key`."""
    if key.isascii() and key.isdigit():
        if len(key) > 18:  # past SQLite's 64-bit integers: no such id
            return None
        match = c.id == int(key)
    else:
        match = c.slug == key
    row = connection.execute(select(*DETAIL_COLUMNS).where(match)).first()
    if row is None:
        return None
    release = dict(row._mapping)
    release["paragraphs"] = release["body"].split("\n\n")
    return release


def summaries_by_id(connection: Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    rows = connection.execute(select(*SUMMARY_COLUMNS).where(c.id.in_(ids)))
    return {row.id: dict(row._mapping) for row in rows}
