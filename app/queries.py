"""Read queries: list and get. SQLAlchemy Core statements over the table, run by a Snapshot
(app/reads.py), rows as plain dicts: the serving path skips the ORM session and model instances,
which cost it most of its time; the response model validates once."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    bindparam,
    exists,
    func,
    literal_column,
    select,
    tuple_,
)

from app import cursors
from app.models import LinkKind, State, columns, press_release, press_release_link
from app.reads import Snapshot, Statement, member_of
from app.schemas import PressReleaseDetail, PressReleaseSummary

table = press_release
c = table.c

SUMMARY_COLUMNS = columns(PressReleaseSummary)
DETAIL_COLUMNS = columns(PressReleaseDetail)
# A release's life: whether it is served, and what a 410 says when it is not.
LIFECYCLE_COLUMNS = (c.state, c.withdrawn_at, c.withdrawal_reason)
# Only published releases are listed (the sort indexes hold only them: app/models.py).
# (a literal, as the partial indexes' condition is written: `state = 'published'`)
PUBLISHED = c.state == literal_column(f"'{State.PUBLISHED.value}'")


class DateSort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True, slots=True)
class Filters:
    """The filters that list, search and the feed share. Their SQL depends only on which of them
    are set (`shape`); the values travel as bound parameters (`params`), so the statements that
    use them are built once per shape and reused."""

    from_date: date | None = None
    to_date: date | None = None
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    # search's `collapse=duplicates`: a release with an earlier published duplicate is left out.
    # (Out of the repr, which cursor owners are made from: the search's owner names it itself,
    # and the cursors of every other request stay what they were.)
    collapse: bool = field(default=False, repr=False)

    @property
    def shape(self) -> "FilterShape":
        return (
            self.from_date is not None,
            self.to_date is not None,
            bool(self.sources),
            bool(self.languages),
            self.collapse,
        )

    def params(self) -> dict[str, Any]:
        return {
            "from_date": self.from_date,
            "to_date": self.to_date,
            "sources": list(self.sources),
            "languages": list(self.languages),
        }


FilterShape = tuple[bool, bool, bool, bool, bool]
NO_FILTERS = Filters()


def filter_clauses(shape: FilterShape, columns: Any = c) -> list[ColumnElement[bool]]:
    """The conditions of the filters that are set, on `columns` (press_release's by default; a
    table with the same filter columns may stand in for it)."""
    has_from, has_to, has_sources, has_languages, collapse = shape
    where: list[ColumnElement[bool]] = []
    if has_from:
        where.append(columns.published_on >= bindparam("from_date", type_=Date))
    if has_to:
        where.append(columns.published_on <= bindparam("to_date", type_=Date))
    if has_sources:
        where.append(member_of(columns.source, "sources"))
    if has_languages:
        where.append(member_of(columns.language, "languages"))
    if collapse:
        where.append(~has_earlier_duplicate(columns))
    return where


_earlier = press_release.alias("earlier")
_duplicate = press_release_link.alias("duplicate")


def has_earlier_duplicate(columns: Any) -> ColumnElement[bool]:
    """The release has a published duplicate published before it (ties: a lower id)."""
    return exists().where(
        _duplicate.c.release_id == columns.id,
        _duplicate.c.kind == literal_column(f"'{LinkKind.DUPLICATE.value}'"),
        _earlier.c.id == _duplicate.c.other_id,
        _earlier.c.state == literal_column(f"'{State.PUBLISHED.value}'"),
        tuple_(_earlier.c.published_on, _earlier.c.id) < tuple_(columns.published_on, columns.id),
    )


def after(key: Sequence[Any], descending: bool) -> ColumnElement[bool]:
    """The keyset condition: rows past the cursor's (k0, k1) in the page's order."""
    last = tuple_(bindparam("k0"), bindparam("k1"))
    return tuple_(*key) < last if descending else tuple_(*key) > last


# A filtered list's total is counted up to this many matches, then said to be at least that
# many (`total_relation` "gte"; issue 17, point 3). An exact count reads every matching entry of
# a date index: 57 to 80 ms for a date range holding half of 1,000,000 releases, on either
# engine, on the first page of each filter after each ingest, where the page itself takes under
# 1 ms. The whole archive's count stays exact: one answer, remembered per database version
# (app/totals.py). PostgreSQL's search totals use the same cap (app/search/postgres.py).
TOTAL_CAP = 10_000


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[dict[str, Any]]
    total: int
    next_cursor: str | None
    total_relation: str = "eq"  # "gte": more releases match than `total` (TOTAL_CAP)


@cache
def _list_statements(
    shape: FilterShape, sort: DateSort, with_cursor: bool
) -> tuple[Statement, Statement]:
    where = [PUBLISHED, *filter_clauses(shape)]
    if any(shape):
        # counted up to the bound `cap`: the index stops being read there
        found = select(c.id).where(*where).limit(bindparam("cap")).subquery("found")
        count = select(func.count()).select_from(found)
    else:
        count = select(func.count()).select_from(table).where(*where)
    newest = sort is DateSort.NEWEST
    key = (c.published_on, c.id)
    if with_cursor:
        where.append(after(key, newest))
    order = (c.published_on.desc(), c.id.desc()) if newest else key
    page = select(*SUMMARY_COLUMNS).where(*where).order_by(*order).limit(bindparam("limit"))
    return Statement(count), Statement(page)


def _page_rows(
    snapshot: Snapshot, limit: int, sort: DateSort, filters: Filters, cursor: str | None
) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """Up to `limit` + 1 rows of the page (one more, to know whether another follows), the
    statements' bound values and the cursors' owner."""
    owner = cursors.fingerprint("list", sort, filters)
    params = filters.params() | {"limit": limit + 1}
    if cursor is not None:
        params["k0"], params["k1"] = cursors.decode(cursor, owner, (date, int))
    _, page = _list_statements(filters.shape, sort, cursor is not None)
    return snapshot.rows(page, params), params, owner


def newest_releases(snapshot: Snapshot, limit: int, filters: Filters) -> list[dict[str, Any]]:
    """The `limit` newest releases passing the filters (the Atom feed's), uncounted."""
    return _page_rows(snapshot, limit, DateSort.NEWEST, filters, None)[0][:limit]


def list_releases(
    snapshot: Snapshot,
    *,
    limit: int,
    sort: DateSort = DateSort.NEWEST,
    filters: Filters = NO_FILTERS,
    cursor: str | None = None,
) -> Page:
    """A page in date order, ties broken by id, so that a release inserted between two requests
    never makes a row repeat or vanish across pages."""
    rows, params, owner = _page_rows(snapshot, limit, sort, filters, cursor)
    count, _ = _list_statements(filters.shape, sort, cursor is not None)
    total, relation = len(rows), "eq"
    # A first page that is not full holds every matching release: no need to count them again.
    if cursor is not None or len(rows) > limit:
        if any(filters.shape):
            total = snapshot.count(count, params | {"cap": TOTAL_CAP + 1})
            if total > TOTAL_CAP:
                total, relation = TOTAL_CAP, "gte"
        else:
            total = snapshot.count(count, params)
    next_cursor = None
    if len(rows) > limit:
        rows.pop()
        next_cursor = cursors.encode([rows[-1]["published_on"].isoformat(), rows[-1]["id"]], owner)
    return Page(rows=rows, total=total, next_cursor=next_cursor, total_relation=relation)


def by_key(*columns: Any) -> tuple[Statement, Statement]:
    """The statements that read `columns` of the release with an id, and with a slug."""
    return (
        Statement(select(*columns).where(c.id == bindparam("key"))),
        Statement(select(*columns).where(c.slug == bindparam("key"))),
    )


def find(snapshot: Snapshot, key: str, statements: tuple[Statement, Statement]) -> Any:
    """The row of the release whose id (all ASCII digits) or slug is `key`, or None."""
    by_id, by_slug = statements
    if key.isascii() and key.isdigit():
        if len(key) > 18:  # past SQLite's 64-bit integers: no such id
            return None
        return snapshot.first(by_id, {"key": int(key)})
    return snapshot.first(by_slug, {"key": key})


_DETAIL = by_key(*DETAIL_COLUMNS, *LIFECYCLE_COLUMNS)


NOT_PUBLISHED = c.state != literal_column(f"'{State.PUBLISHED.value}'")


@cache
def _tombstones(shape: FilterShape, windowed: bool) -> Statement:
    where = [NOT_PUBLISHED, *filter_clauses(shape)]
    if windowed:
        where.append(c.published_on >= bindparam("window_start", type_=Date))
    return Statement(
        select(c.external_id, c.state, c.withdrawn_at, c.withdrawal_reason)
        .where(*where)
        .order_by(c.withdrawn_at.desc(), c.id.desc())
        .limit(bindparam("limit"))
    )


def tombstones(
    snapshot: Snapshot, filters: Filters, window_start: date | None, limit: int
) -> list[dict[str, Any]]:
    """The releases withdrawn or purged that pass the filters and were published on or after
    `window_start` (any day: None), the latest withdrawn first."""
    params = filters.params() | {"window_start": window_start, "limit": limit}
    return snapshot.rows(_tombstones(filters.shape, window_start is not None), params)


_UPDATED_AT = Statement(select(c.id, c.updated_at).where(member_of(c.id, "ids")))


def updated_at(snapshot: Snapshot, ids: Sequence[int]) -> dict[int, Any]:
    """When each of these releases last changed. Only the feed shows it: lists and searches leave
    it out of their rows (turning SQLite's text into a datetime costs 6% of a list page)."""
    if not ids:
        return {}
    return {row["id"]: row["updated_at"] for row in snapshot.rows(_UPDATED_AT, {"ids": list(ids)})}


_SUMMARIES = Statement(select(*SUMMARY_COLUMNS).where(member_of(c.id, "ids"), PUBLISHED))


def summaries(snapshot: Snapshot, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The summaries of these published releases, in the order of `ids`."""
    if not ids:
        return []
    found = {row["id"]: row for row in snapshot.rows(_SUMMARIES, {"ids": list(ids)})}
    return [found[i] for i in ids if i in found]


def get_release(snapshot: Snapshot, *, key: str) -> dict[str, Any] | None:
    """The release whose id (all ASCII digits) or slug is `key`, whatever its state (`state`
    says it: only a published one is served whole)."""
    release: dict[str, Any] | None = find(snapshot, key, _DETAIL)
    if release is not None:
        release["paragraphs"] = release["body"].split("\n\n")
    return release
