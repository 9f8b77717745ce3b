"""The SQLite backend: FTS5, ranked by bm25 with the title weighted above the body (the FTS table's
`rank` setting, see the first migration).

Ranking reads the FTS index alone, a block of matches at a time (app/search/results.py), and
fetches releases only for the page it returns (app/search/sqlite_hits.py): joining every match to
the table before ranking costs several times the engine's own floor on a large archive.
"""

import json
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    MetaData,
    Table,
    Text,
    bindparam,
    func,
    select,
    tuple_,
)

from app.models import search_term
from app.queries import NO_FILTERS, PUBLISHED, FilterShape, after, c, filter_clauses, table
from app.reads import Snapshot, Statement, member_of
from app.search import budget, related
from app.search.backend import Params, Rows, Shares, Total, facet_cube
from app.search.expansions import words
from app.search.grammar import AllOf, AnyOf, Node, Phrase, Term
from app.search.results import Compiled, Expansions, Facet, Fetch, Hit, SearchSort, block_params
from app.search.sqlite_hits import fts, fts5_string, hits, in_title
from app.text.analyser import Sequences, sequences

# The FTS index's own vocabulary (fts5vocab, made by migration 0003): one row per indexed word.
vocabulary = Table("press_release_fts_vocab", MetaData(), Column("term", Text))


def fts5_sequences(found: Sequences) -> str:
    """An FTS5 expression matching any of the sequences: each an FTS5 string (a phrase, when it
    holds several words), `*` after it for a prefix."""
    star = " *" if found.prefix else ""
    options = [fts5_string(" ".join(option)) + star for option in found.options]
    return options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")"


@lru_cache(maxsize=1024)
def compile_fts5(node: Node) -> str:
    """The AST as an FTS5 MATCH expression over the analysed words, every word quoted, every
    group parenthesised."""
    match node:
        case Term(text, prefix, title_only):
            return in_title(fts5_sequences(sequences(text, prefix)), title_only)
        case Phrase(text, title_only):
            return in_title(fts5_sequences(sequences(text)), title_only)
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


_EXPANSIONS = Statement(
    select(vocabulary.c.term)
    .where(vocabulary.c.term >= bindparam("low"), vocabulary.c.term < bindparam("high"))
    .limit(bindparam("limit"))
)


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
def _sampled(shape: FilterShape) -> Statement:
    """How many of the releases with ids above `since` match (app/search/budget.py's sample)."""
    source, where = _matching(shape)
    return Statement(
        select(func.count()).select_from(source).where(*where, fts.c.rowid > bindparam("since"))
    )


@cache
def _count(shape: FilterShape) -> Statement:
    # count(*) over a MATCH alone is answered from the index's doclists without ranking: cheap.
    source, where = _matching(shape)
    return Statement(select(func.count()).select_from(source).where(*where))


def _newest(shape: FilterShape, *columns: Any) -> Any:
    """The block of the relevance walk: the `window` matches with the highest ids up to `hi`
    (FTS5 hands them over in descending rowid order)."""
    source, where = _matching(shape)
    return (
        select(fts.c.rowid.label("id"), *columns)
        .select_from(source)
        .where(*where, fts.c.rowid <= bindparam("hi"))
        .order_by(fts.c.rowid.desc())
        .limit(bindparam("window"))
        .subquery("block")
    )


@cache
def _block(shape: FilterShape, positioned: bool) -> Statement:
    """Rows of one block, ranked among themselves, past the position `(k0, k1)` when there is
    one. bm25 is negative, better matches more so: ascending rank is best first, ties by id."""
    block = _newest(shape, fts.c.rank.label("k0"))
    page = select(block.c.id, block.c.k0, block.c.id.label("k1"))
    if positioned:
        page = page.where(tuple_(block.c.k0, block.c.id) > tuple_(bindparam("k0"), bindparam("k1")))
    return Statement(page.order_by(block.c.k0, block.c.id).limit(bindparam("n")))


@cache
def _bounds(shape: FilterShape) -> Statement:
    """A block's lowest and highest id and its size: its rowids alone, not scored."""
    block = _newest(shape)
    return Statement(
        select(
            func.min(block.c.id).label("lo"),
            func.max(block.c.id).label("top"),
            func.count().label("size"),
        )
    )


def _fetch_block(snapshot: Snapshot, shape: FilterShape, params: dict[str, Any]) -> Fetch:
    def fetch(hi: int, position: tuple[float, int] | None, n: int) -> list[dict[str, Any]]:
        bounds = block_params(hi, position, n)
        rows = snapshot.rows(_block(shape, position is not None), params | bounds)
        if position is None and len(rows) < n:  # the whole block is in hand: no second look
            ids = [row["id"] for row in rows]
            block = {"lo": min(ids, default=0), "top": max(ids, default=0), "size": len(ids)}
        else:
            block = snapshot.first(_bounds(shape), params | bounds) or {}
        return [row | block for row in rows]

    return fetch


_ARCHIVE_SIZE = Statement(select(func.max(c.id)))


def _archive_size(snapshot: Snapshot) -> int:
    """The highest id: the archive's size, near enough, remembered per database version."""
    return snapshot.count(_ARCHIVE_SIZE, {}) or 0


def _walk_dates(total: int, limit: int, snapshot: Snapshot) -> bool:
    """Whether a date-ordered page is found faster by walking the date index, probing each entry
    against the match set, than by looking up every match and sorting them all. The walk visits
    about (limit / total) of the archive and costs ~1/8 of a lookup per entry (measured on the
    100,000-release bench archive), so it wins once total² × 8 > limit × archive."""
    return total * total * 8 > (limit + 1) * _archive_size(snapshot)


@cache
def _date_page(shape: FilterShape, sort: SearchSort, with_cursor: bool, walk: bool) -> Statement:
    """A date-ordered page. The match set is read once, as rowids. `id + 0` hides the primary key
    from the planner, which then walks the date index in page order and stops at the page's end;
    with `id` it looks every match up and sorts them all (SQLite cannot know the set is large)."""
    descending = sort is SearchSort.NEWEST
    key = (c.published_on, c.id)
    member = (c.id + 0) if walk else c.id
    # PUBLISHED adds nothing to the match set (the index holds published releases only): it lets
    # the planner walk the date index, which holds only them (app/models.py).
    page = select(c.id, c.published_on.label("k0"), c.id.label("k1")).where(
        member.in_(select(fts.c.rowid).where(_MATCH)), PUBLISHED, *filter_clauses(shape)
    )
    if with_cursor:
        page = page.where(after(key, descending))
    order = (key[0].desc(), key[1].desc()) if descending else key
    return Statement(page.order_by(*order).limit(bindparam("limit")))


_FACET_COLUMNS: dict[Facet, Any] = {
    Facet.SOURCE: c.source,
    Facet.LANGUAGE: c.language,
    Facet.YEAR: func.substr(c.published_on, 1, 4),  # SQLite keeps dates as YYYY-MM-DD text
}


_KNOWN = Statement(select(search_term.c.term).where(member_of(search_term.c.term, "terms")))


@cache
def _capped(shape: FilterShape) -> Statement:
    """How many releases match, counted up to `cap`."""
    source, where = _matching(shape)
    found = select(fts.c.rowid).select_from(source).where(*where).limit(bindparam("cap"))
    return Statement(select(func.count()).select_from(found.subquery()))


# The newest `n` holders of a word, as one JSON array: thousands of ids, one value to read.
_newest_holders = (
    select(fts.c.rowid.label("id"))
    .where(_MATCH)
    .order_by(fts.c.rowid.desc())
    .limit(bindparam("n"))
    .subquery()
)
_HOLDERS = Statement(select(func.json_group_array(_newest_holders.c.id)))


class SqliteSearch:
    """The Backend (app/search/backend.py) over FTS5."""

    query_param = "match"
    prefix_weight: float = budget.PREFIX_WEIGHT
    cost: float = 1.0
    vocabulary = _EXPANSIONS
    archive_size = _ARCHIVE_SIZE
    known_words = _KNOWN

    def index_word(self, word: str) -> str:
        return fts5_string(word)

    def capped(self, shape: FilterShape) -> Statement:
        return _capped(shape)

    def compile(self, query: AllOf) -> str:
        return compile_fts5(query)

    def shares(self, snapshot: Snapshot, expansions: Expansions, since: int, size: int) -> Shares:
        words_only = _sampled(NO_FILTERS.shape)
        stands_for = {words(term.text)[-1]: found for term, found in expansions.items()}

        def share(match: str) -> float:
            return float(snapshot.count(words_only, {"match": match, "since": since})) / size

        def shares(needed: Sequence[str]) -> dict[str, float]:
            # a word: the share of releases holding any of its forms; a prefix: the sum of its
            # words' shares (an upper bound on the releases holding any)
            return {
                word: sum(share(fts5_string(w)) for w in stands_for.get(word[:-1], []))
                if word.endswith("*")
                else share(fts5_sequences(sequences(word)))
                for word in needed
            }

        return shares

    def sampled(self, shape: FilterShape) -> Statement:
        return _sampled(shape)

    def related_index(self, snapshot: Snapshot) -> related.Index:
        sampled = _sampled(NO_FILTERS.shape)

        def counts(words: Sequence[str], since: int) -> dict[str, int]:
            return {
                w: snapshot.count(sampled, {"match": fts5_string(w), "since": since}) for w in words
            }

        def holders(words: Sequence[tuple[str, int]], n: int) -> list[list[int]]:
            # the index alone answers, newest first: each word's read stops at its n-th holder
            return [
                json.loads(snapshot.scalar(_HOLDERS, {"match": fts5_string(word), "n": n}))
                for word, _ in words
            ]

        return related.Index(lambda: _archive_size(snapshot), counts, holders)

    def count(self, shape: FilterShape) -> Statement:
        return _count(shape)

    def facet_cube(self, shape: FilterShape, facets: tuple[Facet, ...]) -> Statement:
        return _facet_cube(shape, facets)

    def fetch(self, snapshot: Snapshot, shape: FilterShape, params: Params) -> Fetch:
        return _fetch_block(snapshot, shape, params)

    def date_rows(self, snapshot: Snapshot, query: Compiled, params: Params, total: Total) -> Rows:
        request = query.request
        walk = _walk_dates(total(), request.limit, snapshot)
        statement = _date_page(
            request.filters.shape, request.sort, request.cursor is not None, walk
        )
        return snapshot.rows(statement, params)

    def hits(self, snapshot: Snapshot, query: Compiled, ranked: Rows) -> list[Hit]:
        # bm25 is negative, better matches more so: the score is its negation
        relevance = query.request.sort is SearchSort.RELEVANCE
        scores = {row["id"]: -row["k0"] for row in ranked} if relevance else None
        ids = [row["id"] for row in ranked]
        return hits(snapshot, query.request.query, query.expansions, ids, scores)


@cache
def _facet_cube(shape: FilterShape, facets: tuple[Facet, ...]) -> Statement:
    return facet_cube(_FACET_COLUMNS, facets, _MATCHES, [_MATCH, *filter_clauses(shape)])
