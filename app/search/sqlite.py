"""The SQLite backend: FTS5, ranked by bm25 with the title weighted above the body (the FTS table's
`rank` setting, see the first migration).

Ranking reads the FTS index alone and fetches releases only for the page it returns: joining every
match to the table before ranking costs several times the engine's own floor on a large archive.
"""

import html
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    case,
    exists,
    func,
    literal_column,
    null,
    select,
)
from sqlalchemy.sql.expression import ColumnClause

from app.models import PressReleasePassage
from app.queries import (
    NO_FILTERS,
    SUMMARY_COLUMNS,
    Filters,
    FilterShape,
    after,
    c,
    filter_clauses,
    table,
)
from app.reads import Snapshot, Statement
from app.search.grammar import AllOf, AnyOf, Node, Phrase, Term, highlighted
from app.search.passages import PASSAGE_CANDIDATES, SPAN
from app.search.results import (
    CLOSE_MARK,
    OPEN_MARK,
    Facet,
    Hit,
    PageRequest,
    SearchResults,
    SearchSort,
    marks_to_tags,
    sum_facets,
)

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
# The passages of long releases (app/search/passages.py) and their own FTS5 index.
passage = PressReleasePassage.__table__  # type: ignore[attr-defined]
passage_fts = Table(
    "press_release_passage_fts",
    MetaData(),
    Column("rowid", Integer, key="rowid"),
    Column("rank", Float),
    Column("body", Text),
    Column("press_release_passage_fts", Text, key="match"),
)
_PASSAGE_FTS: ColumnClause[Any] = literal_column("press_release_passage_fts")

_OPEN, _CLOSE = OPEN_MARK, CLOSE_MARK
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


_MATCH = fts.c.match.op("MATCH")(bindparam("match"))
_MATCHES = fts.join(table, c.id == fts.c.rowid)


def _matching(shape: FilterShape) -> tuple[Any, list[ColumnElement[bool]]]:
    """What to select from, and the conditions, for the matches that pass the filters.

    The filters apply to each match's row, joined by primary key: cheap per match. The other way,
    `fts.rowid IN (SELECT id … filters)`, hands FTS5 one rowid at a time to match against: a
    rare term behind a wide date filter took 300 ms instead of 0.1 (measured on the bench
    archive)."""
    clauses = filter_clauses(shape)
    return (_MATCHES if clauses else fts), [_MATCH, *clauses]


@cache
def _count(shape: FilterShape) -> Statement:
    # count(*) over a MATCH alone is answered from the index's doclists without ranking: cheap.
    source, where = _matching(shape)
    return Statement(select(func.count()).select_from(source).where(*where))


_ARCHIVE_SIZE = Statement(select(func.max(c.id)))


def _walk_dates(total: int, limit: int, snapshot: Snapshot) -> bool:
    """Whether a date-ordered page is found faster by walking the date index, probing each entry
    against the match set, than by looking up every match and sorting them all. The walk visits
    about (limit / total) of the archive and costs ~1/8 of a lookup per entry (measured on the
    100,000-release bench archive), so it wins once total² × 8 > limit × archive."""
    archive = snapshot.scalar(_ARCHIVE_SIZE) or 0
    return total * total * 8 > (limit + 1) * archive


@cache
def _page(shape: FilterShape, sort: SearchSort, with_cursor: bool, walk: bool) -> Statement:
    """The page statement, built once for each shape of request."""
    source, where = _matching(shape)
    descending = sort is SearchSort.NEWEST
    if sort is SearchSort.RELEVANCE:
        # bm25 is negative, better matches more so: ascending rank is best first. The page is
        # scored here: bm25 asked for a few rowids later costs a scan of each term's doclist again.
        key: tuple[Any, Any] = (fts.c.rank, fts.c.rowid)
        page = select(fts.c.rowid.label("id"), fts.c.rank.label("k0"), fts.c.rowid.label("k1"))
        page = page.select_from(source).where(*where)
    else:
        # The match set is read once, as rowids. `id + 0` hides the primary key from the planner,
        # which then walks the date index in page order and stops at the page's end; with `id`
        # it looks every match up and sorts them all (SQLite cannot know the set is large).
        key = (c.published_on, c.id)
        member = (c.id + 0) if walk else c.id
        page = select(c.id, c.published_on.label("k0"), c.id.label("k1")).where(
            member.in_(select(fts.c.rowid).where(_MATCH)), *filter_clauses(shape)
        )
    if with_cursor:
        page = page.where(after(key, descending))
    order = (key[0].desc(), key[1].desc()) if descending else key
    return Statement(page.order_by(*order).limit(bindparam("limit")))


def search(
    snapshot: Snapshot,
    *,
    query: AllOf,
    limit: int,
    sort: SearchSort = SearchSort.RELEVANCE,
    filters: Filters = NO_FILTERS,
    cursor: str | None = None,
    facets: Sequence[Facet] = (),
) -> SearchResults:
    match = compile_fts5(query)
    request = PageRequest.make(
        match, sort=sort, filters=filters, cursor=cursor, limit=limit, query_param="match"
    )
    params = request.params
    count = _count(filters.shape)
    if sort is SearchSort.RELEVANCE:
        page = _page(filters.shape, sort, cursor is not None, False)
        ranked = snapshot.rows(page, params)
        # A first page that is not full holds the whole match set: no need to count it again.
        partial = cursor is None and len(ranked) <= limit
        total = len(ranked) if partial else snapshot.count(count, params)
    else:
        total = snapshot.count(count, params)
        walk = _walk_dates(total, limit, snapshot)
        page = _page(filters.shape, sort, cursor is not None, walk)
        ranked = snapshot.rows(page, params)

    ranked, next_cursor = request.cut(ranked, limit)
    scores = {row["id"]: -row["k0"] for row in ranked} if sort is SearchSort.RELEVANCE else None
    hits = _hits(snapshot, query, match, [row["id"] for row in ranked], scores)
    counts = {}
    if facets:
        cube = snapshot.rows(_facet_cube(filters.shape, tuple(facets)), params)
        counts = sum_facets(tuple(facets), cube)
    return SearchResults(hits=hits, total=total, next_cursor=next_cursor, facets=counts)


_FTS_TABLE: ColumnClause[Any] = literal_column("press_release_fts")
# A long release's snippet comes from its passages: snippet() over its whole body would read all of
# it (28 ms a megabyte), so it is not even asked for (CASE evaluates only the branch it takes), nor
# is the title's highlight(), which makes FTS5 read the whole row; it is asked for apart, when no
# passage holds the query's words.
_HAS_PASSAGES = exists().where(passage.c.id == fts.c.rowid * SPAN)


def _unless_long(expression: Any) -> Any:
    return case((_HAS_PASSAGES, null()), else_=expression)


_HIGHLIGHT_TITLE = func.highlight(_FTS_TABLE, _TITLE, _OPEN, _CLOSE)
_PAGE_COLUMNS = (
    *SUMMARY_COLUMNS,
    _unless_long(func.snippet(_FTS_TABLE, _BODY, _OPEN, _CLOSE, "…", SNIPPET_TOKENS)).label(
        "_body"
    ),
    _unless_long(_HIGHLIGHT_TITLE).label("_title"),
)
_PAGE_WHERE = (
    fts.c.match.op("MATCH")(bindparam("match")),
    fts.c.rowid.in_(bindparam("ids", expanding=True)),
)
_PAGE_FROM = fts.join(table, c.id == fts.c.rowid)
_PAGE = Statement(select(*_PAGE_COLUMNS).select_from(_PAGE_FROM).where(*_PAGE_WHERE))
_PAGE_SCORED = Statement(
    select(*_PAGE_COLUMNS, fts.c.rank.label("_rank")).select_from(_PAGE_FROM).where(*_PAGE_WHERE)
)
_TITLE_ONLY = Statement(
    select(_HIGHLIGHT_TITLE.label("title")).where(
        fts.c.match.op("MATCH")(bindparam("match")), fts.c.rowid == bindparam("id")
    )
)
# The passage that best matches the query's words, among the first PASSAGE_CANDIDATES of one
# release's passages that hold any of them (a release's passages are one id range, in body order):
# bm25 for at most that many, then snippet() for one, on a few KB.
_PASSAGES_MATCHING = passage_fts.c.match.op("MATCH")(bindparam("words"))
_CANDIDATES = (
    select(passage_fts.c.rowid.label("id"), func.bm25(_PASSAGE_FTS).label("score"))
    .where(
        _PASSAGES_MATCHING,
        passage_fts.c.rowid.between(bindparam("first"), bindparam("last")),
    )
    .limit(PASSAGE_CANDIDATES)
    .subquery()
)
_BEST_PASSAGE = Statement(
    select(
        (passage_fts.c.rowid % SPAN).label("n"),
        func.snippet(_PASSAGE_FTS, 0, _OPEN, _CLOSE, "…", SNIPPET_TOKENS).label("snippet"),
        exists().where(passage.c.id == passage_fts.c.rowid + 1).label("more"),
    ).where(
        _PASSAGES_MATCHING,
        passage_fts.c.rowid
        == select(_CANDIDATES.c.id)
        .order_by(_CANDIDATES.c.score, _CANDIDATES.c.id)
        .limit(1)
        .scalar_subquery(),
    )
)


def _hits(
    snapshot: Snapshot, query: AllOf, match: str, ids: list[int], scores: dict[int, float] | None
) -> list[Hit]:
    """The page's releases in `ids` order, each with its snippet: a window of the body around its
    best match, or the whole title when only the title matched. Scores (bm25 negated: higher is
    better) are computed here only when the ranking did not (the date orders)."""
    if not ids:
        return []
    statement = _PAGE if scores is not None else _PAGE_SCORED
    hits = {}
    for summary in snapshot.rows(statement, {"match": match, "ids": ids}):
        body, title = summary.pop("_body"), summary.pop("_title")
        if body is None:  # a long release
            body = _passage_snippet(snapshot, query, summary["id"])
            if _OPEN not in body:
                title = snapshot.scalar(_TITLE_ONLY, {"match": match, "id": summary["id"]})
        score = scores[summary["id"]] if scores is not None else -summary.pop("_rank")
        hits[summary["id"]] = Hit(summary, score, mark(body if _OPEN in body else title))
    return [hits[id_] for id_ in ids]


def _passage_snippet(snapshot: Snapshot, query: AllOf, release_id: int) -> str:
    """The snippet of a long release, from its best passage, with … wherever the body goes on
    before or after it; empty when no passage holds the query's words (a title-only match)."""
    words = highlighted(query)
    if words is None:
        return ""
    found = snapshot.first(
        _BEST_PASSAGE,
        {
            "words": compile_fts5(words),
            "first": release_id * SPAN,
            "last": release_id * SPAN + SPAN - 1,
        },
    )
    if found is None:
        return ""
    snippet: str = found["snippet"]
    if found["n"] > 0 and not snippet.startswith("…"):
        snippet = "…" + snippet
    if found["more"] and not snippet.endswith("…"):
        snippet += "…"
    return snippet


def mark(snippet: str) -> str:
    """Escape the release's own text, then turn the markers into <mark> tags."""
    return marks_to_tags(html.escape(snippet, quote=False))


_FACET_COLUMNS: dict[Facet, Any] = {
    Facet.SOURCE: c.source,
    Facet.LANGUAGE: c.language,
    Facet.YEAR: func.substr(c.published_on, 1, 4),  # SQLite keeps dates as YYYY-MM-DD text
}


@cache
def _facet_cube(shape: FilterShape, facets: tuple[Facet, ...]) -> Statement:
    """One pass over the match set for every facet asked for: the count of each combination of
    their values (a few thousand rows at most), summed per facet in Python."""
    columns = [_FACET_COLUMNS[facet] for facet in facets]
    return Statement(
        select(*columns, func.count())
        .select_from(_MATCHES)
        .where(_MATCH, *filter_clauses(shape))
        .group_by(*columns)
    )
