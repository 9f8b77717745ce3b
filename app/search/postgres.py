"""The PostgreSQL backend: the generated, weighted `search_vector` (title A, body B; see the first
migration) matched by a tsquery, ranked by ts_rank_cd, with ts_headline snippets.

The AST compiles to tsquery *text*, every user word in a quoted lexeme (quotes doubled, backslashes
escaped), so no user input becomes a tsquery operator; the text travels as a bound parameter of
`to_tsquery('pressroom', …)`, which stems and unaccents it like the documents.
"""

from collections.abc import Sequence
from functools import cache
from typing import Any

# The dialect module registers the full-text functions (to_tsquery, ts_headline…) with `func`.
import sqlalchemy.dialects.postgresql  # noqa: F401
from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import REAL

from app.models import PressReleasePassage
from app.queries import NO_FILTERS, SUMMARY_COLUMNS, Filters, FilterShape, c, filter_clauses
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

_CONFIG: Any = literal_column("'pressroom'::regconfig")
_VECTOR: Any = literal_column("press_release.search_vector")
_QUERY = func.to_tsquery(_CONFIG, bindparam("tsquery"))
_MATCH = _VECTOR.op("@@")(_QUERY)
# ts_rank_cd's default weights (D, C, B, A) = (0.1, 0.2, 0.4, 1.0): a title hit counts most
_RANK = func.ts_rank_cd(_VECTOR, _QUERY)


def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def compile_tsquery(node: Node) -> str:
    """The AST as tsquery text: quoted lexemes (a phrase's words become `<->`), `:*` for a prefix,
    `:A` for the title (weight A), `|`, `&` and `!` between parenthesised groups."""
    match node:
        case Term(text, prefix, title_only):
            label = ("*" if prefix else "") + ("A" if title_only else "")
            return _lexeme(text) + (f":{label}" if label else "")
        case Phrase(text, title_only):
            return _lexeme(text) + (":A" if title_only else "")
        case AnyOf(options):
            return "( " + " | ".join(compile_tsquery(option) for option in options) + " )"
        case AllOf(required, excluded):
            parts = [compile_tsquery(n) for n in required]
            if excluded:
                parts.append("!( " + " | ".join(compile_tsquery(n) for n in excluded) + " )")
            return "( " + " & ".join(parts) + " )"
    raise TypeError(node)  # pragma: no cover  (the match above is exhaustive)


def _escaped(column: Any) -> Any:
    """The column HTML-escaped in SQL, before ts_headline: given raw text, ts_headline drops the
    release's own markup (`<b>`) instead of showing it; escaped, it shows it as text."""
    ampersands = func.replace(column, "&", "&amp;")
    return func.replace(func.replace(ampersands, "<", "&lt;"), ">", "&gt;")


_BODY_OPTIONS = (
    f"StartSel={OPEN_MARK}, StopSel={CLOSE_MARK}, MaxWords=24, MinWords=12, "
    "MaxFragments=1, FragmentDelimiter=…"
)
_TITLE_OPTIONS = f"StartSel={OPEN_MARK}, StopSel={CLOSE_MARK}, HighlightAll=true"


def _cuts(headline: Any, escaped: Any) -> tuple[Any, Any]:
    """Whether text was cut before and after the headline's fragment, told by where the fragment
    sits in the (escaped) text it came from, to be marked with … as FTS5's snippet() marks it."""
    fragment = func.replace(func.replace(headline, OPEN_MARK, ""), CLOSE_MARK, "")
    at = func.strpos(escaped, fragment)
    return (at > 1).label("_cut_before"), (
        at + func.length(fragment) <= func.length(escaped)
    ).label("_cut_after")


# A long release's snippet comes from its passages (app/search/passages.py): ts_headline over its
# whole body would parse all of it (125 ms a megabyte), so it is not even asked for.
passage = PressReleasePassage.__table__  # type: ignore[attr-defined]
_HAS_PASSAGES = exists().where(passage.c.id == c.id * SPAN)
# Each ts_headline is computed once, in a subquery (PostgreSQL computes a repeated expression as
# many times as it is written); the outer query reads where the fragment sits in the body.
_HEADLINES = (
    select(
        c.id.label("hid"),
        case((_HAS_PASSAGES, null()), else_=_escaped(c.body)).label("escaped_body"),
        case(
            (_HAS_PASSAGES, null()),
            else_=func.ts_headline(_CONFIG, _escaped(c.body), _QUERY, _BODY_OPTIONS),
        ).label("body"),
        func.ts_headline(_CONFIG, _escaped(c.title), _QUERY, _TITLE_OPTIONS).label("title"),
        _RANK.label("rank"),
    )
    .where(c.id.in_(bindparam("ids", expanding=True)))
    .subquery()
)
_h = _HEADLINES.c
_PAGE = Statement(
    select(
        *SUMMARY_COLUMNS,
        _h.body.label("_body"),
        *_cuts(_h.body, _h.escaped_body),
        _h.title.label("_title"),
        _h.rank.label("_rank"),
    ).join_from(c.id.table, _HEADLINES, c.id == _h.hid)
)
# The passage that best matches the query's words, among the first PASSAGE_CANDIDATES of one
# release's passages that hold any of them (a release's passages are one id range, in body order).
_WORDS = func.to_tsquery(_CONFIG, bindparam("words"))
_PASSAGE_VECTOR: Any = literal_column("press_release_passage.search_vector")
_CANDIDATES = (
    select(passage.c.id, func.ts_rank_cd(_PASSAGE_VECTOR, _WORDS).label("score"))
    .where(
        passage.c.id.between(bindparam("first"), bindparam("last")),
        _PASSAGE_VECTOR.op("@@")(_WORDS),
    )
    .order_by(passage.c.id)
    .limit(PASSAGE_CANDIDATES)
    .subquery()
)
_later = passage.alias("later")
_BEST_ID = (
    select(_CANDIDATES.c.id)
    .order_by(_CANDIDATES.c.score.desc(), _CANDIDATES.c.id)
    .limit(1)
    .scalar_subquery()
)
_BEST = (  # ts_headline for that one passage only
    select(
        (passage.c.id % SPAN).label("n"),
        _escaped(passage.c.body).label("escaped_body"),
        func.ts_headline(_CONFIG, _escaped(passage.c.body), _WORDS, _BODY_OPTIONS).label("body"),
        exists().where(_later.c.id == passage.c.id + 1).label("more"),
    )
    .where(passage.c.id == _BEST_ID)
    .subquery()
)
_BEST_PASSAGE = Statement(
    select(_BEST.c.n, _BEST.c.body, _BEST.c.more, *_cuts(_BEST.c.body, _BEST.c.escaped_body))
)


def _snippet(body: str | None, before: bool, after: bool) -> str | None:
    """A body headline with … where the text goes on; None when it marks nothing."""
    if body is None or OPEN_MARK not in body:
        return None
    return ("…" if before else "") + " ".join(body.split()) + ("…" if after else "")


def _passage_snippet(snapshot: Snapshot, query: AllOf, release_id: int) -> str | None:
    words = highlighted(query)
    if words is None:
        return None
    found = snapshot.first(
        _BEST_PASSAGE,
        {
            "words": compile_tsquery(words),
            "first": release_id * SPAN,
            "last": release_id * SPAN + SPAN - 1,
        },
    )
    if found is None:
        return None
    before = found["_cut_before"] or found["n"] > 0
    return _snippet(found["body"], before, found["_cut_after"] or found["more"])


@cache
def _count(shape: FilterShape) -> Statement:
    return Statement(
        select(func.count()).select_from(c.id.table).where(_MATCH, *filter_clauses(shape))
    )


@cache
def _page(shape: FilterShape, sort: SearchSort, with_cursor: bool) -> Statement:
    where: list[ColumnElement[bool]] = [_MATCH, *filter_clauses(shape)]
    k0: Any = bindparam("k0")
    k1: Any = bindparam("k1")
    if sort is SearchSort.RELEVANCE:
        # ts_rank_cd is a float4: the cursor's score (printed and parsed as the shortest decimal
        # that reads back as that float4) is compared as one. As a double, 1.4 is above the
        # engine's 1.39999997 and the keyset condition never advanced past a tie.
        k0 = cast(k0, REAL)
        # best first, ties by id: the two keys run in opposite directions, so no row comparison
        page = select(c.id, _RANK.label("k0"), c.id.label("k1"))
        if with_cursor:
            where.append(or_(k0 > _RANK, and_(k0 == _RANK, c.id > k1)))
        else:
            # The ranking visits every match anyway: counting them in the same pass saves a second
            # scan (GIN has no index-only count): `cooperation`, 50,079 matches of 100,000, took
            # 215 ms to rank and 236 to count, and takes 230 for both.
            page = page.add_columns(func.count().over().label("total"))
        order: tuple[Any, ...] = (_RANK.desc(), c.id)
    else:
        page = select(c.id, c.published_on.label("k0"), c.id.label("k1"))
        key = tuple_(c.published_on, c.id)
        newest = sort is SearchSort.NEWEST
        if with_cursor:
            where.append(key < tuple_(k0, k1) if newest else key > tuple_(k0, k1))
        order = (c.published_on.desc(), c.id.desc()) if newest else (c.published_on, c.id)
    return Statement(page.where(*where).order_by(*order).limit(bindparam("limit")))


_FACET_COLUMNS: dict[Facet, Any] = {
    Facet.SOURCE: c.source,
    Facet.LANGUAGE: c.language,
    Facet.YEAR: func.to_char(c.published_on, "YYYY"),
}


@cache
def _facet_cube(shape: FilterShape, facets: tuple[Facet, ...]) -> Statement:
    columns = [_FACET_COLUMNS[facet] for facet in facets]
    return Statement(
        select(*columns, func.count()).where(_MATCH, *filter_clauses(shape)).group_by(*columns)
    )


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
    tsquery = compile_tsquery(query)
    request = PageRequest.make(
        tsquery, sort=sort, filters=filters, cursor=cursor, limit=limit, query_param="tsquery"
    )
    params = request.params
    ranked = snapshot.rows(_page(filters.shape, sort, cursor is not None), params)
    if cursor is None and len(ranked) <= limit:  # the first page holds the whole match set
        total = len(ranked)
    elif cursor is None and sort is SearchSort.RELEVANCE:  # counted by the ranking itself
        total = ranked[0]["total"]
    else:
        total = snapshot.count(_count(filters.shape), params)

    ranked, next_cursor = request.cut(ranked, limit)
    ids = [row["id"] for row in ranked]
    hits: dict[int, Hit] = {}
    if ids:
        for summary in snapshot.rows(_PAGE, {"tsquery": tsquery, "ids": ids}):
            body, title, rank = summary.pop("_body"), summary.pop("_title"), summary.pop("_rank")
            before, after = summary.pop("_cut_before"), summary.pop("_cut_after")
            if body is None:  # a long release
                snippet = _passage_snippet(snapshot, query, summary["id"])
            else:
                snippet = _snippet(body, before, after)
            hits[summary["id"]] = Hit(summary, float(rank), marks_to_tags(snippet or title))
    counts = {}
    if facets:
        cube = snapshot.rows(_facet_cube(filters.shape, tuple(facets)), params)
        counts = sum_facets(tuple(facets), cube)
    return SearchResults(
        hits=[hits[id_] for id_ in ids], total=total, next_cursor=next_cursor, facets=counts
    )
