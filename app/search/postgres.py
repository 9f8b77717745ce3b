"""The PostgreSQL backend: the weighted `search_vector` of press_release_search (title A, body B;
built by the analyser, app/search/index.py) matched by a tsquery, ranked by ts_rank_cd a block of
matches at a time (app/search/results.py), with the highlighter's snippets
(app/search/postgres_hits.py).

The AST compiles to tsquery *text* over the analyser's words (app/text), every word in a quoted
lexeme (quotes doubled, backslashes escaped), so no user input becomes a tsquery operator; the
text travels as a bound parameter cast to tsquery, which no text search configuration touches.
"""

import math
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

# The dialect module registers the full-text functions (ts_rank_cd…) with `func`.
import sqlalchemy.dialects.postgresql  # noqa: F401
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Text,
    and_,
    bindparam,
    cast,
    func,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import REAL

from app.models import search_term
from app.queries import NO_FILTERS, Filters, FilterShape, after, filter_clauses
from app.queries import TOTAL_CAP as LIST_TOTAL_CAP
from app.reads import Row, Snapshot, Statement, member_of
from app.search import budget, related
from app.search.backend import Params, Rows, Shares, Total
from app.search.grammar import AllOf, AnyOf, Node, Phrase, Term, highlighted
from app.search.postgres_hits import QUERY, VECTOR, hits, search_index
from app.search.results import (
    Compiled,
    Expansions,
    Facet,
    Faceted,
    Hit,
    Position,
    SearchSort,
    block_params,
    cube_total,
    relevance_page,
    sum_facets,
)
from app.text.analyser import Sequences, prefix_form, sequences
from app.text.common import PAIR_MARK, pair_alone
from app.text.common import pairs as common_pairs

s = search_index.c
_MATCH = VECTOR.op("@@")(QUERY)


def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_sequences(found: Sequences, title_only: bool = False) -> str:
    """tsquery text matching any of the sequences: each word a lexeme, `<->` between a
    sequence's words, `:*` on the last for a prefix, `:A` on each for the title; and each pair
    of common words standing together in it required too (app/text/common.py), which changes
    nothing it matches and lets the GIN index find a phrase of common words by its pair. A
    sequence of just two common words is its pair alone: the GIN index's answer is then exact,
    with no tsvector read to compare positions (`"are and"`'s first 10,001 matches at 1,000,000
    releases: 24 ms, against 100 with the positions compared)."""
    weight = "A" if title_only else ""
    options = []
    for option in found.options:
        if not found.prefix and (alone := pair_alone(option)) is not None:
            options.append(_lexeme(alone) + (f":{weight}" if weight else ""))
            continue
        labels = [weight] * len(option)
        if found.prefix:
            labels[-1] = "*" + weight
        lexemes = [
            _lexeme(w) + (f":{label}" if label else "")
            for w, label in zip(option, labels, strict=True)
        ]
        words = option[:-1] if found.prefix else option
        pairs = [
            _lexeme(lexeme) + (f":{weight}" if weight else "") for lexeme in common_pairs(words)
        ]
        sequence = " <-> ".join(lexemes)
        options.append(" & ".join([f"( {sequence} )", *pairs]) if pairs else sequence)
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


# Finding a block's newest matches: PostgreSQL's planner walks the ids down from `hi` and tests
# each row's tsvector, or reads every match below `hi` by the GIN index and keeps the newest.
# It walks whenever it guesses more matches than the block, however few that leaves in each
# row it tests. Measured at 1,000,000 releases, warm, for the newest 10,000 (bench/RESULTS.md,
# "2026-12-04"): a pair in 4 % of the releases, walked 460 ms (239,355 rows tested), read by the
# index 145 to 199 ms; a pair in 94 %, walked 19 ms, read by the index 1,849 ms. A row the index
# reads costs about this many of the rows the walk tests; the block reads by the index when the
# walk would test more rows than that many times the matches.
INDEX_ROW_COST = 2.5
# The newest releases whose share of matches tells the two apart (the threshold is coarse: at
# 1,000,000 releases, 6 %): fewer than the budget's sample, as each is tested, on every search
# with more matches than a block.
SPREAD_SAMPLE = 500


@cache
def _block(shape: FilterShape, positioned: bool, few: bool, sparse: bool = False) -> Statement:
    """Rows of one block of the relevance walk: the WINDOW matches with the highest ids up to
    `hi`, ranked among themselves by ts_rank_cd, best first, ties by id, past the position
    `(k0, k1)` when there is one. `few`: the whole match set fits in the window, and its ids
    are bound as `matches`. `sparse`: the matches below `hi` are read by the GIN index, then
    the newest kept (INDEX_ROW_COST)."""
    # The block's ids first, and only then their tsvectors, one primary-key lookup each (a
    # LATERAL subquery kept apart by OFFSET 0): sorting the matches with their tsvectors by id
    # spilled a sort of 40 MB to disk for a prefix matching 20,000 releases.
    upto = s.id <= bindparam("hi", type_=BigInteger)
    if few:
        # The ids the capped count found (`_first_matches`), not matched again: asked for the
        # window's newest matches, PostgreSQL walked the ids backwards when it guessed many more
        # matches than the window, and read the whole table when there were fewer (a phrase at
        # 1,000,000: 7,427 matches, 55,991 guessed, 3.3 s); and finding them again by the GIN
        # index compared the positions of each candidate a second time (a phrase of a common
        # and a rarer word: 600 ms of the request's 1.2 s).
        newest = select(s.id).where(member_of(s.id, "matches"), upto).order_by(s.id.desc())
    else:
        newest = select(s.id).where(_MATCH, *filter_clauses(shape, s), upto)
        if sparse:  # behind OFFSET 0, with no order of its own, the match set is read whole
            matched = newest.offset(0).subquery()
            newest = select(matched.c.id).order_by(matched.c.id.desc())
        else:
            newest = newest.order_by(s.id.desc())
    ids = newest.limit(bindparam("window")).subquery("ids")
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
    key = (s.published_on, s.id)
    newest = sort is SearchSort.NEWEST
    if with_cursor:
        where.append(after(key, newest))
    order = (key[0].desc(), key[1].desc()) if newest else key
    return Statement(page.where(*where).order_by(*order).limit(bindparam("limit")))


_EXPANSIONS = Statement(
    select(search_term.c.term)
    .where(search_term.c.term >= bindparam("low"), search_term.c.term < bindparam("high"))
    .order_by(search_term.c.term)
    .limit(bindparam("limit"))
)


# each facet's value, of the columns of a row of press_release_search
_FACET_COLUMNS: dict[Facet, Callable[[Any], Any]] = {
    Facet.SOURCE: lambda row: row.source,
    Facet.LANGUAGE: lambda row: row.language,
    Facet.YEAR: lambda row: func.to_char(row.published_on, "YYYY"),
}


_ARCHIVE_SIZE = Statement(select(func.max(s.id)))
# Each word's count among the sampled releases (each word's tsquery: its forms, or for `word*`
# that prefix), each sampled tsvector tested against each: the sample's rows behind OFFSET 0, as
# otherwise PostgreSQL ANDed each word's GIN entries with the sample's ids, and a word that half
# of 1,000,000 releases hold took 150 to 200 ms to read from the index (for a phrase of two such
# words, 600 ms of its 1 s), where testing 2,000 tsvectors takes 5.
_SHARES = Statement(
    text(
        "SELECT w.word, count(s.id) AS n FROM (SELECT word, CAST(q AS tsquery) AS q "
        "FROM unnest(CAST(:words AS text[]), CAST(:queries AS text[])) AS t (word, q) "
        "OFFSET 0) AS w "
        "LEFT JOIN (SELECT id, search_vector FROM press_release_search WHERE id > :since "
        "OFFSET 0) AS s ON s.search_vector @@ w.q "
        "GROUP BY w.word"
    ).columns(word=Text, n=Integer)
)


@cache
def _sampled(shape: FilterShape) -> Statement:
    """How many of the releases with ids above `since` match (app/search/budget.py's sample, and
    `_sparse`'s)."""
    return Statement(
        select(func.count())
        .select_from(search_index)
        .where(_MATCH, *filter_clauses(shape, s), s.id > bindparam("since", type_=BigInteger))
    )


_KNOWN = Statement(select(search_term.c.term).where(member_of(search_term.c.term, "terms")))


def _bound(query: Compiled) -> Params:
    """What the capped count of a compiled query binds: its filters' values and its tsquery."""
    return query.request.filters.params() | {"tsquery": query.text}


def _first(snapshot: Snapshot, shape: FilterShape, params: Params, cap: int) -> list[int]:
    """The ids of up to `cap` matches, read once for the request."""
    bound = params | {"cap": cap}
    key = f"first matches {shape} {sorted(bound.items())}"
    ids: list[int] = snapshot.once(key, lambda: snapshot.scalar(_first_matches(shape), bound) or [])
    return ids


def _sparse(snapshot: Snapshot, shape: FilterShape, params: Params, window: int) -> bool:
    """Whether more than `window` matches are so thinly spread that a block's newest are read
    more cheaply by the GIN index than by walking the ids down (INDEX_ROW_COST): the share of
    the newest SPREAD_SAMPLE releases that match. Remembered until the database changes."""
    archive = snapshot.count(_ARCHIVE_SIZE, {}) or 0
    since = max(0, archive - SPREAD_SAMPLE)
    share = snapshot.count(_sampled(shape), params | {"since": since}) / (archive - since)
    return share == 0 or window / share > INDEX_ROW_COST * share * archive


def _capped_count(snapshot: Snapshot, shape: FilterShape, params: Params, cap: int) -> int:
    """How many releases match, up to `cap`: remembered until the database changes, as every
    count is (the ids only for the request)."""

    def read(*_: Any) -> int:  # the statement and its parameters are those of `_first`
        return len(_first(snapshot, shape, params, cap))

    found: int = snapshot.remembered(_first_matches(shape), params | {"cap": cap}, read)
    return found


@cache
def _first_matches(shape: FilterShape) -> Statement:
    """The ids of up to `cap` matches (as one array: the capped count, and a match set within
    the relevance window, which is then ranked without being matched again)."""
    found = (
        select(s.id).where(_MATCH, *filter_clauses(shape, s)).limit(bindparam("cap", type_=Integer))
    )
    ids = found.subquery()
    return Statement(select(func.array_agg(ids.c.id).label("ids")))


# The sample's words (app/search/related.py), each with how many of its releases hold it: every
# sampled tsvector read once (0.1 s for 2,000 releases), then remembered until the database
# changes, where counting 32 words one by one cost 130 ms a request.
_SAMPLE_WORDS = Statement(
    text(
        "SELECT w AS word, count(*) AS n FROM press_release_search AS s, "
        "unnest(tsvector_to_array(s.search_vector)) AS w "
        f"WHERE s.id > :since AND left(w, 1) <> '{PAIR_MARK}' GROUP BY w"
    ).columns(word=Text, n=Integer)
)
HOLDERS_WINDOW = 1.5  # how many more newest ids than a word's sample count predicts are looked in
# A word expected to have at most this many times n holders has them all read (its GIN entries,
# a table row each): reading the newest ids' index entries for a window would cost more.
HOLDERS_FEW = 4


@cache
def _holders(words: int) -> Statement:
    """For each of `words` words (:q0, :q1, …), the ids of its newest `n` holders above its id
    (:low0, …), as one array. One statement of parts the planner plans each for its own word:
    a rare word's GIN entries, a common word's newest ids first."""
    parts = [
        f"SELECT {i} AS i, (SELECT array_agg(h.id) FROM (SELECT id FROM press_release_search "
        f"WHERE search_vector @@ CAST(:q{i} AS tsquery) AND id > :low{i} "
        "ORDER BY id DESC LIMIT :n) AS h) AS ids"
        for i in range(words)
    ]
    return Statement(text(" UNION ALL ".join(parts)).columns(i=Integer))


# A count reads every match's row (GIN gives no index-only count): a word half of 1,000,000
# releases hold took 400 ms to count. Counted up to this many, then "at least" (issue 17); the
# facets too, over this many of the newest matches. (The same cap as a filtered list's total.)
TOTAL_CAP = LIST_TOTAL_CAP


class PostgresSearch:
    """The Backend (app/search/backend.py) over tsvectors and tsqueries."""

    query_param = "tsquery"
    prefix_weight: float = budget.POSTGRES_PREFIX_WEIGHT
    cost: float = budget.POSTGRES_COST
    facet_weight: float = budget.FACET_WEIGHT
    total_cap: int | None = TOTAL_CAP
    vocabulary = _EXPANSIONS
    archive_size = _ARCHIVE_SIZE
    known_words = _KNOWN

    def holders(self, snapshot: Snapshot, word: str, cap: int) -> int:
        return _capped_count(snapshot, NO_FILTERS.shape, {"tsquery": _lexeme(word)}, cap)

    def count(
        self,
        snapshot: Snapshot,
        query: AllOf,
        filters: Filters,
        *,
        cap: int | None = None,
        since: int | None = None,
    ) -> int:
        params = filters.params() | {"tsquery": compile_tsquery(query)}
        if cap is not None:
            return _capped_count(snapshot, filters.shape, params, cap)
        if since is not None:
            return snapshot.count(_sampled(filters.shape), params | {"since": since})
        return snapshot.count(_count(filters.shape), params)  # GIN gives no index-only count

    def compile(self, query: AllOf) -> str:
        return compile_tsquery(query)

    def shares(self, snapshot: Snapshot, expansions: Expansions, since: int, size: int) -> Shares:
        # `:*` finds the words a prefix stands for: the expansions only bound the query here
        def query(word: str) -> str:
            if word.startswith(PAIR_MARK):  # a pair of common words (budget.estimate's)
                return _lexeme(word)
            if word.endswith("*"):
                return tsquery_sequences(Sequences(((prefix_form(word[:-1]),),), True))
            return tsquery_sequences(sequences(word))

        def shares(words: Sequence[str]) -> dict[str, float]:
            queries = [query(w) for w in words]
            params = {"words": list(words), "queries": queries, "since": since}
            found = snapshot.rows(_SHARES, params)
            return {row["word"]: row["n"] / size for row in found}

        return shares

    def related_index(self, snapshot: Snapshot) -> related.Index:
        def sample_words(statement: Statement, params: Params) -> dict[str, int]:
            return {row["word"]: row["n"] for row in snapshot.rows(statement, params)}

        def counts(words: Sequence[str], since: int) -> dict[str, int]:
            sample = snapshot.remembered(_SAMPLE_WORDS, {"since": since}, sample_words)
            return {word: sample.get(word, 0) for word in words}

        def archive_size() -> int:
            return snapshot.count(_ARCHIVE_SIZE, {}) or 0

        def read(words: Sequence[str], lows: Sequence[int], n: int) -> list[list[int]]:
            params: Params = {"n": n}
            for i, (word, low) in enumerate(zip(words, lows, strict=True)):
                params |= {f"q{i}": _lexeme(word), f"low{i}": low}
            rows = snapshot.rows(_holders(len(words)), params)
            found = {row["i"]: row["ids"] or [] for row in rows}
            return [found[i] for i in range(len(words))]

        def holders(words: Sequence[tuple[str, int]], n: int) -> list[list[int]]:
            # A word n newest holders of which are expected among the newest ids (by its share
            # of the sample) is looked for there first: each holder costs a visit of its table
            # row, and a common word's holders run to thousands. Looked for again in the whole
            # archive when fewer are there.
            top = archive_size()
            lows = [
                max(0, top - math.ceil(n * HOLDERS_WINDOW * budget.SAMPLE / count))
                if count * top > HOLDERS_FEW * n * budget.SAMPLE
                else 0
                for _, count in words
            ]
            found = read([word for word, _ in words], lows, n)
            again = [i for i, ids in enumerate(found) if len(ids) < n and lows[i] > 0]
            if again:
                more = read([words[i][0] for i in again], [0] * len(again), n)
                for i, ids in zip(again, more, strict=True):
                    found[i] = ids
            return found

        return related.Index(archive_size, counts, holders)

    def facets(self, snapshot: Snapshot, query: Compiled, params: Params) -> Faceted:
        # Counted over every match up to the total's cap; beyond it, over the cap's newest
        # matches (the relevance walk's first block), said by "gte": reading every match's row
        # took 810 ms for 600,000 matches of 1,000,000. The rows are wide (each holds its
        # tsvector, and GIN has no index-only scan), and moving the tsvector out of line left a
        # tsvector under 2 KB in the row all the same (bench/RESULTS.md, issue 17).
        request = query.request
        shape, cap, bound = request.filters.shape, self.total_cap or TOTAL_CAP, _bound(query)
        whole = _capped_count(snapshot, shape, bound, cap + 1) <= cap
        # the whole match set is the ids its capped count found, not matched again
        extra = {"matches": _first(snapshot, shape, bound, cap + 1)} if whole else {"cap": cap}
        cube = snapshot.rows(_facet_cube(shape, request.facets, whole), params | extra)
        counts = sum_facets(request.facets, cube)
        return Faceted(counts, cube_total(cube), "eq" if whole else "gte")

    def ranked(
        self, snapshot: Snapshot, query: Compiled, params: Params, start: Position
    ) -> tuple[Rows, Position | None, int | None]:
        shape = query.request.filters.shape
        request = query.request
        # Counted up to the window (the total's own count): whether the whole match set fits in
        # one block, whose ids the count then found
        window, bound = request.window, _bound(query)
        few = _capped_count(snapshot, shape, bound, window + 1) <= window
        matches = {"matches": _first(snapshot, shape, bound, window + 1)} if few else {}
        sparse = not few and _sparse(snapshot, shape, bound, window)

        def fetch(hi: int, position: tuple[float, int] | None, n: int) -> list[Row]:
            bounds = block_params(hi, position, n) | matches
            block = _block(shape, position is not None, few, sparse)
            return snapshot.rows(block, params | bounds)

        rows, following, whole = relevance_page(fetch, start, request.limit, request.window)
        return rows, following, len(rows) if whole else None

    def date_rows(
        self, snapshot: Snapshot, query: Compiled, params: Params, total: Total
    ) -> tuple[Rows, int | None]:
        request = query.request
        statement = _date_page(request.filters.shape, request.sort, request.cursor is not None)
        return snapshot.rows(statement, params), None

    def hits(self, snapshot: Snapshot, query: Compiled, ranked: Rows) -> list[Hit]:
        words = highlighted(query.request.query)
        passage_words = None if words is None else compile_tsquery(words)
        ids = [row["id"] for row in ranked]
        return hits(snapshot, query.request.query, query.text, passage_words, ids)


@cache
def _facet_cube(shape: FilterShape, facets: tuple[Facet, ...], whole: bool) -> Statement:
    """One pass over the match set (`whole`: its ids, the capped count's, bound as `matches`),
    or over its `cap` newest matches, for every facet asked for: the count of each combination of
    their values (a few thousand rows at most), summed per facet in Python (`sum_facets`)."""
    columns_read = (s.id, s.source, s.language, s.published_on)
    if whole:
        matching = select(*columns_read).where(member_of(s.id, "matches"))
    else:
        matching = select(*columns_read).where(_MATCH, *filter_clauses(shape, s))
        matching = matching.order_by(s.id.desc()).limit(bindparam("cap", type_=Integer))
    found = matching.subquery("found")
    columns = [_FACET_COLUMNS[facet](found.c).label(facet.value) for facet in facets]
    return Statement(
        select(*columns, func.count().label("count")).select_from(found).group_by(*columns)
    )
