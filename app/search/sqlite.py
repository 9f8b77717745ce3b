"""The SQLite backend: FTS5 with bm25 ranking (title weighted above body by the FTS table's `rank`
setting, see the first migration).

Ranking reads the FTS index alone and fetches releases only for the page it returns: joining every
match to the table before ranking costs several times the engine's own floor on a large archive.
"""

import html
from datetime import date
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    literal_column,
    select,
    tuple_,
)

from app import cursors
from app.queries import NO_FILTERS, Filters, c, summaries_by_id, table
from app.search.results import Hit, SearchResults, SearchSort

# The FTS5 table as Core sees it (created by the first migration, not by metadata). `rank` and
# `rowid` are FTS5's hidden columns; a column named like the table takes the MATCH expression.
fts = Table(
    "press_release_fts",
    MetaData(),
    Column("rowid", Integer, key="rowid"),
    Column("rank", Float),
    Column("title", Text),
    Column("body", Text),
    Column("press_release_fts", Text, key="match"),
)

# Snippet markers: control characters that ingestion strips from every release, so they can only
# come from snippet() itself; the text between them is escaped before they become <mark> tags.
_OPEN, _CLOSE = "\x02", "\x03"
SNIPPET_TOKENS = 24


def compile_match(terms: list[str]) -> str:
    """Each term as an FTS5 string (double quotes doubled): never an operator, column filter or
    prefix, whatever characters it holds. Juxtaposed strings are ANDed."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def search(
    connection: Connection,
    *,
    terms: list[str],
    limit: int,
    sort: SearchSort = SearchSort.RELEVANCE,
    filters: Filters = NO_FILTERS,
    cursor: str | None = None,
) -> SearchResults:
    match = compile_match(terms)
    owner = cursors.fingerprint("search", match, sort, filters)
    where: list[ColumnElement[bool]] = [fts.c.match.op("MATCH")(match)]
    if filter_clauses := filters.clauses():
        where.append(fts.c.rowid.in_(select(c.id).where(*filter_clauses)))
    total = connection.execute(select(func.count()).select_from(fts).where(*where)).scalar_one()

    if sort is SearchSort.RELEVANCE:
        # bm25 is negative, better matches more so: ascending rank is best first.
        key: tuple[Any, Any] = (fts.c.rank, fts.c.rowid)
        types: tuple[type, ...] = (float, int)
        source: Any = fts
    else:
        key = (c.published_on, c.id)
        types = (date, int)
        source = fts.join(table, c.id == fts.c.rowid)
    descending = sort is SearchSort.NEWEST
    if cursor is not None:
        last = tuple_(*cursors.decode(cursor, owner, types))
        where.append(tuple_(*key) < last if descending else tuple_(*key) > last)
    query = (
        select(fts.c.rowid.label("id"), fts.c.rank, key[0].label("k0"), key[1].label("k1"))
        .select_from(source)
        .where(*where)
        .order_by(*(k.desc() if descending else k for k in key))
        .limit(limit + 1)
    )
    ranked = connection.execute(query).all()

    next_cursor = None
    if len(ranked) > limit:
        ranked = ranked[:limit]
        k0, k1 = ranked[-1].k0, ranked[-1].k1
        next_cursor = cursors.encode([k0.isoformat() if isinstance(k0, date) else k0, k1], owner)
    ids = [row.id for row in ranked]
    snippets = _snippets(connection, match, ids)
    summaries = summaries_by_id(connection, ids)
    hits = [Hit(row=summaries[row.id], score=-row.rank, snippet=snippets[row.id]) for row in ranked]
    return SearchResults(hits=hits, total=total, next_cursor=next_cursor)


def _snippets(connection: Connection, match: str, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    snippet = func.snippet(
        literal_column("press_release_fts"), -1, _OPEN, _CLOSE, "…", SNIPPET_TOKENS
    )
    rows = connection.execute(
        select(fts.c.rowid, snippet).where(fts.c.match.op("MATCH")(match), fts.c.rowid.in_(ids))
    )
    return {rowid: mark(text) for rowid, text in rows}


def mark(snippet: str) -> str:
    """Escape the release's own text, then turn the markers into <mark> tags."""
    return html.escape(snippet, quote=False).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")
