"""The SQLite backend: FTS5, ranked by bm25 with the title weighted above the body (the FTS table's
`rank` setting, see the first migration).

Ranking reads the FTS index alone and fetches releases only for the page it returns: joining every
match to the table before ranking costs several times the engine's own floor on a large archive.
"""

import html
from collections.abc import Sequence
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
from sqlalchemy.sql.expression import ColumnClause

from app import cursors
from app.queries import NO_FILTERS, Filters, c, summaries_by_id, table
from app.search.grammar import AllOf, AnyOf, Node, Phrase, Term
from app.search.results import FACET_VALUES_LIMIT, Facet, Hit, SearchResults, SearchSort

# The FTS5 table as Core sees it (the first migration creates it, not this metadata). `rank` and
# `rowid` are FTS5's hidden columns; the column named like the table takes the MATCH expression.
fts = Table(
    "press_release_fts",
    MetaData(),
    Column("rowid", Integer, key="rowid"),
    Column("rank", Float),
    Column("title", Text),
    Column("body", Text),
    Column("press_release_fts", Text, key="match"),
)
_TITLE, _BODY = 0, 1

# Snippet markers: control characters that ingestion strips from every release, so they can only
# come from snippet() itself; the text between them is escaped before they become <mark> tags.
_OPEN, _CLOSE = "\x02", "\x03"
SNIPPET_TOKENS = 24


def _string(text: str) -> str:
    """An FTS5 string: the engine tokenizes what is inside, and nothing inside is syntax."""
    return '"' + text.replace('"', '""') + '"'


def compile_fts5(node: Node) -> str:
    """The AST as an FTS5 MATCH expression, every user word quoted, every group parenthesised."""
    match node:
        case Term(text, prefix, title_only):
            return _in_title(_string(text) + (" *" if prefix else ""), title_only)
        case Phrase(text, title_only):
            return _in_title(_string(text), title_only)
        case AnyOf(options):
            return "(" + " OR ".join(compile_fts5(option) for option in options) + ")"
        case AllOf(required, excluded):
            expression = " AND ".join(f"({compile_fts5(n)})" for n in required)
            if excluded:
                expression = (
                    f"({expression}) NOT ({' OR '.join(compile_fts5(n) for n in excluded)})"
                )
            return expression
    raise TypeError(node)  # pragma: no cover  (the match above is exhaustive)


def _in_title(expression: str, title_only: bool) -> str:
    return f"title : ({expression})" if title_only else expression


def search(
    connection: Connection,
    *,
    query: AllOf,
    limit: int,
    sort: SearchSort = SearchSort.RELEVANCE,
    filters: Filters = NO_FILTERS,
    cursor: str | None = None,
    facets: Sequence[Facet] = (),
) -> SearchResults:
    match = compile_fts5(query)
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
    page_where = list(where)
    if cursor is not None:
        last = tuple_(*cursors.decode(cursor, owner, types))
        page_where.append(tuple_(*key) < last if descending else tuple_(*key) > last)
    ranked = connection.execute(
        select(fts.c.rowid.label("id"), fts.c.rank, key[0].label("k0"), key[1].label("k1"))
        .select_from(source)
        .where(*page_where)
        .order_by(*(k.desc() if descending else k for k in key))
        .limit(limit + 1)
    ).all()

    next_cursor = None
    if len(ranked) > limit:
        ranked = ranked[:limit]
        k0, k1 = ranked[-1].k0, ranked[-1].k1
        next_cursor = cursors.encode([k0.isoformat() if isinstance(k0, date) else k0, k1], owner)
    ids = [row.id for row in ranked]
    snippets = _snippets(connection, match, ids)
    summaries = summaries_by_id(connection, ids)
    hits = [Hit(row=summaries[row.id], score=-row.rank, snippet=snippets[row.id]) for row in ranked]
    counts = {facet.value: _facet(connection, facet, where) for facet in facets}
    return SearchResults(hits=hits, total=total, next_cursor=next_cursor, facets=counts)


def _snippets(connection: Connection, match: str, ids: list[int]) -> dict[int, str]:
    """A window of the body around its best match; the whole title when only the title matched."""
    if not ids:
        return {}
    fts_table: ColumnClause[Any] = literal_column("press_release_fts")
    body = func.snippet(fts_table, _BODY, _OPEN, _CLOSE, "…", SNIPPET_TOKENS)
    title = func.highlight(fts_table, _TITLE, _OPEN, _CLOSE)
    rows = connection.execute(
        select(fts.c.rowid, body, title).where(fts.c.match.op("MATCH")(match), fts.c.rowid.in_(ids))
    )
    return {rowid: mark(body if _OPEN in body else title) for rowid, body, title in rows}


def mark(snippet: str) -> str:
    """Escape the release's own text, then turn the markers into <mark> tags."""
    return html.escape(snippet, quote=False).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def _facet(
    connection: Connection, facet: Facet, where: list[ColumnElement[bool]]
) -> list[tuple[str, int]]:
    """Counts over the whole match set, most frequent first; unknown values are not counted."""
    column: Any = {
        Facet.SOURCE: c.source,
        Facet.LANGUAGE: c.language,
        Facet.YEAR: func.strftime("%Y", c.published_on),
    }[facet]
    value, count = column.label("value"), func.count().label("count")
    rows = connection.execute(
        select(value, count)
        .where(c.id.in_(select(fts.c.rowid).where(*where)), column.is_not(None))
        .group_by(value)
        .order_by(count.desc(), value)
        .limit(FACET_VALUES_LIMIT)
    )
    return [(str(v), n) for v, n in rows]
