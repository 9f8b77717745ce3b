"""The PostgreSQL backend: the weighted `search_vector` of press_release_search (title A, body B;
built by the analyser, app/search/index.py) matched by a tsquery, ranked by ts_rank_cd a block of
matches at a time (app/search/results.py), with the highlighter's snippets
(app/search/postgres_hits.py).

The AST compiles to tsquery *text* over the analyser's words (app/text), every word in a quoted
lexeme (quotes doubled, backslashes escaped), so no user input becomes a tsquery operator; the
text travels as a bound parameter cast to tsquery, which no text search configuration touches.
"""

from collections.abc import Sequence
from functools import cache
from typing import Any

# The dialect module registers the full-text functions (ts_rank_cd…) with `func`.
import sqlalchemy.dialects.postgresql  # noqa: F401
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Integer,
    MetaData,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    func,
    or_,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import REAL

from app.queries import NO_FILTERS, Filters, FilterShape, filter_clauses
from app.reads import Snapshot, Statement
from app.search import budget
from app.search.expansions import Lookup, expand, prefix_range
from app.search.grammar import AllOf, AnyOf, Node, Phrase, Term, highlighted
from app.search.postgres_hits import QUERY, VECTOR, hits, search_index
from app.search.results import (
    WINDOW,
    Facet,
    PageRequest,
    SearchResults,
    SearchSort,
    block_params,
    cube_total,
    relevance_page,
    sum_facets,
)
from app.text.analyser import Sequences, prefix_form, sequences

s = search_index.c
_MATCH = VECTOR.op("@@")(QUERY)
# The lexemes ingestion has indexed (migration 0003), for bounding prefixes.
search_term = Table("search_term", MetaData(), Column("term", Text))


def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_sequences(found: Sequences, title_only: bool = False) -> str:
    """tsquery text matching any of the sequences: each word a lexeme, `<->` between a
    sequence's words, `:*` on the last for a prefix, `:A` on each for the title."""
    weight = "A" if title_only else ""
    options = []
    for option in found.options:
        labels = [weight] * len(option)
        if found.prefix:
            labels[-1] = "*" + weight
        lexemes = [
            _lexeme(w) + (f":{label}" if label else "")
            for w, label in zip(option, labels, strict=True)
        ]
        options.append(" <-> ".join(lexemes))
    return options[0] if len(options) == 1 else "( " + " | ".join(options) + " )"


def compile_tsquery(node: Node) -> str:
    """The AST as tsquery text over the analysed words: `|`, `&` and `!` between parenthesised
    groups."""
    match node:
        case Term(text, prefix, title_only):
            return tsquery_sequences(sequences(text, prefix), title_only)
        case Phrase(text, title_only):
            return tsquery_sequences(sequences(text), title_only)
        case AnyOf(options):
            return "( " + " | ".join(compile_tsquery(option) for option in options) + " )"
        case AllOf(required, excluded):
            parts = [compile_tsquery(n) for n in required]
            if excluded:
                parts.append("!( " + " | ".join(compile_tsquery(n) for n in excluded) + " )")
            return "( " + " & ".join(parts) + " )"
    raise TypeError(node)  # pragma: no cover  (the match above is exhaustive)


@cache
def _count(shape: FilterShape) -> Statement:
    return Statement(
        select(func.count()).select_from(search_index).where(_MATCH, *filter_clauses(shape, s))
    )


@cache
def _block(shape: FilterShape, positioned: bool) -> Statement:
    """Rows of one block of the relevance walk: the WINDOW matches with the highest ids up to
    `hi`, ranked among themselves by ts_rank_cd, best first, ties by id, past the position
    `(k0, k1)` when there is one."""
    # The block's ids first, and only then their tsvectors, one primary-key lookup each (a
    # LATERAL subquery kept apart by OFFSET 0): sorting the matches with their tsvectors by id
    # spilled a sort of 40 MB to disk for a prefix matching 20,000 releases.
    ids = (
        select(s.id)
        .where(_MATCH, *filter_clauses(shape, s), s.id <= bindparam("hi", type_=BigInteger))
        .order_by(s.id.desc())
        .limit(bindparam("window"))
        .subquery("ids")
    )
    looked_up = search_index.alias("looked_up")
    vectors = (
        select(looked_up.c.search_vector.label("vector"))
        .where(looked_up.c.id == ids.c.id)
        .offset(0)
        .lateral("vectors")
    )
    # Ranked before the block's bounds are taken, behind OFFSET 0: window functions over rows
    # that still carried their tsvectors spilled 36 MB to disk for 10,000 matches.
    ranked = (
        select(ids.c.id, func.ts_rank_cd(vectors.c.vector, QUERY).label("k0"))
        .select_from(ids.join(vectors, true()))
        .offset(0)
        .subquery()
    )
    block = select(
        ranked.c.id,
        ranked.c.k0,
        ranked.c.id.label("k1"),
        func.min(ranked.c.id).over().label("lo"),
        func.max(ranked.c.id).over().label("top"),
        func.count().over().label("size"),
    ).subquery()
    page = select(block)
    if positioned:
        # ts_rank_cd is a float4: the cursor's score (printed and parsed as the shortest decimal
        # that reads back as that float4) is compared as one. As a double, 1.4 is above the
        # engine's 1.39999997 and the keyset condition never advanced past a tie. Best first and
        # ties by id run in opposite directions: no row comparison.
        k0: Any = cast(bindparam("k0"), REAL)
        page = page.where(
            or_(block.c.k0 < k0, and_(block.c.k0 == k0, block.c.k1 > bindparam("k1")))
        )
    return Statement(page.order_by(block.c.k0.desc(), block.c.k1).limit(bindparam("n")))


@cache
def _date_page(shape: FilterShape, sort: SearchSort, with_cursor: bool) -> Statement:
    where: list[ColumnElement[bool]] = [_MATCH, *filter_clauses(shape, s)]
    page = select(s.id, s.published_on.label("k0"), s.id.label("k1"))
    key = tuple_(s.published_on, s.id)
    last = tuple_(bindparam("k0"), bindparam("k1"))
    newest = sort is SearchSort.NEWEST
    if with_cursor:
        where.append(key < last if newest else key > last)
    order = (s.published_on.desc(), s.id.desc()) if newest else (s.published_on, s.id)
    return Statement(page.where(*where).order_by(*order).limit(bindparam("limit")))


_EXPANSIONS = Statement(
    select(search_term.c.term)
    .where(search_term.c.term >= bindparam("low"), search_term.c.term < bindparam("high"))
    .order_by(search_term.c.term)
    .limit(bindparam("limit"))
)


def _lookup(snapshot: Snapshot) -> Lookup:
    def lookup(word: str, limit: int) -> list[str]:
        low, high = prefix_range(prefix_form(word))
        found = snapshot.rows(_EXPANSIONS, {"low": low, "high": high, "limit": limit})
        return [row["term"] for row in found]

    return lookup


_FACET_COLUMNS: dict[Facet, Any] = {
    Facet.SOURCE: s.source,
    Facet.LANGUAGE: s.language,
    Facet.YEAR: func.to_char(s.published_on, "YYYY"),
}


@cache
def _facet_cube(shape: FilterShape, facets: tuple[Facet, ...]) -> Statement:
    columns = [_FACET_COLUMNS[facet].label(facet.value) for facet in facets]
    return Statement(
        select(*columns, func.count().label("count"))
        .where(_MATCH, *filter_clauses(shape, s))
        .group_by(*columns)
    )


_ARCHIVE_SIZE = Statement(select(func.max(s.id)))
# Each word's count among the sampled releases, in one pass over them (each word's tsquery: its
# forms, or for `word*` that prefix).
_SHARES = Statement(
    text(
        "SELECT w.word, count(s.id) AS n FROM (SELECT word, CAST(q AS tsquery) AS q "
        "FROM unnest(CAST(:words AS text[]), CAST(:queries AS text[])) AS t (word, q) "
        "OFFSET 0) AS w "
        "LEFT JOIN press_release_search AS s ON s.id > :since AND s.search_vector @@ w.q "
        "GROUP BY w.word"
    ).columns(word=Text, n=Integer)
)


@cache
def _sampled(shape: FilterShape) -> Statement:
    """How many of the releases with ids above `since` match (app/search/budget.py's sample)."""
    return Statement(
        select(func.count())
        .select_from(search_index)
        .where(_MATCH, *filter_clauses(shape, s), s.id > bindparam("since", type_=BigInteger))
    )


def _check_budget(  # noqa: PLR0917  (one call site, in order)
    snapshot: Snapshot,
    query: AllOf,
    tsquery: str,
    filters: Filters,
    facets: bool,
    postings: int,
) -> None:
    """BadRequest when the query's work, estimated on a sample of the newest releases, is over
    the budget."""
    if not budget.needs_estimate(query, facets):
        return
    archive = snapshot.scalar(_ARCHIVE_SIZE) or 0
    since = archive - budget.SAMPLE
    size = max(1, min(budget.SAMPLE, archive))

    def shares(words: Sequence[str]) -> dict[str, float]:
        queries = [
            tsquery_sequences(
                Sequences(((prefix_form(w[:-1]),),), True) if w.endswith("*") else sequences(w)
            )
            for w in words
        ]
        params = {"words": list(words), "queries": queries, "since": since}
        found = snapshot.rows(_SHARES, params)
        return {row["word"]: row["n"] / size for row in found}

    matches = 0.0
    if facets:
        params = filters.params() | {"tsquery": tsquery, "since": since}
        matches = (snapshot.scalar(_sampled(filters.shape), params) or 0) / size
    found = budget.estimate(
        query, shares, matches, archive, prefix_weight=budget.POSTGRES_PREFIX_WEIGHT
    )
    budget.check(
        found, facets=facets, archive=archive, postings=postings, cost=budget.POSTGRES_COST
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
    window: int = WINDOW,
    postings: int = budget.BUDGET,
) -> SearchResults:
    # The expansions only bound the query here: `:*` finds the words a prefix stands for.
    expand(query, _lookup(snapshot))
    tsquery = compile_tsquery(query)
    _check_budget(snapshot, query, tsquery, filters, bool(facets), postings)
    request = PageRequest.make(
        tsquery,
        sort=sort,
        filters=filters,
        cursor=cursor,
        limit=limit,
        query_param="tsquery",
        window=window,
    )
    params = request.params
    cube = snapshot.rows(_facet_cube(filters.shape, tuple(facets)), params) if facets else None
    if sort is SearchSort.RELEVANCE:

        def fetch(hi: int, position: tuple[float, int] | None, n: int) -> list[dict[str, Any]]:
            bounds = block_params(hi, position, n)
            return snapshot.rows(_block(filters.shape, position is not None), params | bounds)

        ranked, following, whole = relevance_page(fetch, request.position, limit, window)
        next_cursor = request.relevance_cursor(following)
    else:
        ranked = snapshot.rows(_date_page(filters.shape, sort, cursor is not None), params)
        whole = cursor is None and len(ranked) <= limit
        ranked, next_cursor = request.cut(ranked, limit)
    # The first page holds the whole match set, or the facets counted it, or it is counted (GIN
    # gives no index-only count).
    if whole:
        total = len(ranked)
    else:
        total = (
            cube_total(cube) if cube is not None else snapshot.count(_count(filters.shape), params)
        )

    words = highlighted(query)
    passage_words = None if words is None else compile_tsquery(words)
    found = hits(snapshot, query, tsquery, passage_words, [row["id"] for row in ranked])
    counts = {} if cube is None else sum_facets(tuple(facets), cube)
    return SearchResults(hits=found, total=total, next_cursor=next_cursor, facets=counts)
