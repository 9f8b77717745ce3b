"""The embedded default's backend: the index beside SQLite (app/search/side_index.py) matches,
counts, ranks, pages and facets; SQLite gives the page's releases and their snippets
(app/search/sqlite_hits.py).

Relevance is bm25 over the whole match set, the title weighted ten times the body, equal scores
by id (up to TIES of them at a page's end): tantivy's top-k pruning needs no window
(PostgreSQL ranks a block of matches at a time, app/search/results.py). A page past the first
asks for the top `offset + limit` again and keeps the last `limit`: a page deep in a broad match
set costs more than the first. The date orders sort on one fast field, the day then the id
(`order`), from the cursor's key on.

Every word is matched as the index holds it, so the match set is the other engines': a prefix is
a regular expression over the index's words (`prefix.*`: every indexed word that starts with it,
as FTS5's and PostgreSQL's prefixes), a phrase a phrase of positions in one field.
"""

import itertools
import re
from collections.abc import Sequence
from typing import Any

import tantivy
from sqlalchemy import bindparam, func, select

from app.errors import ServiceUnavailable
from app.models import search_term
from app.queries import PUBLISHED, Filters, c, has_earlier_duplicate
from app.reads import Snapshot, Statement, member_of
from app.search import budget, related, side_index
from app.search.backend import Params, Rows, Shares, Total
from app.search.expansions import words as term_words
from app.search.fts5_query import compile_fts5
from app.search.grammar import AllOf, AnyOf, Node, Phrase, Term
from app.search.results import (
    FACET_VALUES_LIMIT,
    FIRST_BLOCK,
    Compiled,
    Expansions,
    FacetCounts,
    Faceted,
    Hit,
    Position,
    SearchSort,
)
from app.search.side_index import FIELDS, PAIR_FIELDS, SCHEMA, TITLE_BOOST
from app.search.sqlite_hits import hits
from app.text.analyser import Sequences, sequences
from app.text.common import PAIR_MARK, pair_alone
from app.text.common import pairs as common_pairs

Query = Any  # tantivy.Query
Occur = tantivy.Occur
# The words a prefix stands for, from the vocabulary ingestion keeps (every word it indexed).
_EXPANSIONS = Statement(
    select(search_term.c.term)
    .where(search_term.c.term >= bindparam("low"), search_term.c.term < bindparam("high"))
    .order_by(search_term.c.term)
    .limit(bindparam("limit"))
)
_KNOWN = Statement(select(search_term.c.term).where(member_of(search_term.c.term, "terms")))
_ARCHIVE_SIZE = Statement(select(func.max(c.id)))
# The published releases a collapsed search leaves out, read once per database version.
_COLLAPSED = Statement(select(c.id).where(PUBLISHED, has_earlier_duplicate(c)))
_RUST_META = re.compile(r"([\\.+*?()|\[\]{}^$#&\-~])")
TIES = 2000  # equal scores read past the page to order them by id, at most
FACET_FIELDS = {"source": "source", "language": "language", "year": "year"}
# How many values a facet's aggregation may return: every value, so that each count is exact.
FACET_BUCKETS = 65_536


def _regex(word: str) -> str:
    return _RUST_META.sub(r"\\\1", word)


def _sequence(field: str, words: tuple[str, ...], prefix: bool) -> Query:
    """One field's query for a sequence of indexed words (the last a prefix, when `prefix`),
    with each pair of common words standing together in it required too, unscored (side_index's
    PAIR_FIELDS): it changes neither what matches nor a score, and tantivy's intersection starts
    from the rarest clause, the pair's few releases. A sequence of just two common words is
    its pair alone, scored by its count (`"the the"`, 937,799 matches at 1,000,000 releases:
    no positions compared, where the phrase took 259 ms)."""
    if not prefix and (alone := pair_alone(words)) is not None:
        return tantivy.Query.term_query(SCHEMA, PAIR_FIELDS[field], alone, index_option="freq")
    if prefix:
        if len(words) == 1:
            return tantivy.Query.regex_query(SCHEMA, field, _regex(words[0]) + ".*")
        patterns: list[str | tuple[int, str]] = [_regex(word) for word in words[:-1]]
        patterns.append(_regex(words[-1]) + ".*")
        query = tantivy.Query.regex_phrase_query(SCHEMA, field, patterns)
    elif len(words) == 1:
        return tantivy.Query.term_query(SCHEMA, field, words[0])
    else:
        query = tantivy.Query.phrase_query(SCHEMA, field, list(words))
    found = list(common_pairs(words[:-1] if prefix else words))
    if not found:
        return query
    clauses = [(Occur.Must, _unscored(_pair(field, lexeme))) for lexeme in found]
    return tantivy.Query.boolean_query([(Occur.Must, query), *clauses])


def _pair(field: str, lexeme: str) -> Query:
    return tantivy.Query.term_query(SCHEMA, PAIR_FIELDS[field], lexeme)


def _any(queries: list[Query]) -> Query:
    if len(queries) == 1:
        return queries[0]
    if not queries:
        return tantivy.Query.empty_query()
    return tantivy.Query.boolean_query([(Occur.Should, query) for query in queries])


def _in_fields(found: Sequences, title_only: bool) -> list[Query]:
    """Any of the sequences, in the title (boosted as FTS5's rank weighed it) or the body."""
    fields = ("title",) if title_only else FIELDS
    options = []
    for option in found.options:
        for field in fields:
            query = _sequence(field, option, found.prefix)
            if field == "title":
                query = tantivy.Query.boost_query(query, TITLE_BOOST)
            options.append(query)
    return options


def tantivy_query(node: Node) -> Query:
    """The AST as a tantivy query over the analysed words."""
    return _any(_alternatives(node))


def _alternatives(node: Node) -> list[Query]:
    """The queries any of which the node matches. Unions are spliced into one: it scores as
    the nested ones would (the sum of the clauses that match, up to a float's last bit), and
    tantivy walks one union at a time: two common words ORed, each in the title or the body,
    took 9.3 ms as one union of four at 1,000,000 releases, and 15.3 as unions within a union."""
    match node:
        case Term(text_, prefix, title_only):
            return _in_fields(sequences(text_, prefix), title_only)
        case Phrase(text_, title_only):
            return _in_fields(sequences(text_), title_only)
        case AnyOf(options):
            return [query for option in options for query in _alternatives(option)]
        case AllOf([only], []):  # a query of one part, `a OR b` say
            return _alternatives(only)
        case AllOf(required, excluded):
            clauses = [(Occur.Must, tantivy_query(n)) for n in required]
            clauses += [(Occur.MustNot, tantivy_query(n)) for n in excluded]
            return [tantivy.Query.boolean_query(clauses)]
    raise TypeError(node)  # pragma: no cover  (the match above is exhaustive)


def _unscored(query: Query) -> Query:
    return tantivy.Query.const_score_query(query, 0.0)


def _integers(field: str, low: int | None, high: int | None) -> Query:
    """The documents whose `field` is in [low, high], read from the field's column (even for
    the sample's 2,000 newest ids: its terms, one a document, took five times as long to union:
    0.42 ms against 0.08 a count at 100,000 releases)."""
    return tantivy.Query.range_query(SCHEMA, field, tantivy.FieldType.Integer, low, high)


def _filtered(
    snapshot: Snapshot, query: Query, filters: Filters, since: int | None = None
) -> Query:
    """The query with the filters (and the ids above `since`), which score nothing."""
    clauses = [(Occur.Must, query)]
    if filters.from_date is not None or filters.to_date is not None:
        low = None if filters.from_date is None else side_index.day(filters.from_date)
        high = None if filters.to_date is None else side_index.day(filters.to_date)
        clauses.append((Occur.Must, _unscored(_integers("published", low, high))))
    for field, values in (("source", filters.sources), ("language", filters.languages)):
        if values:
            found = tantivy.Query.term_set_query(SCHEMA, field, list(values))
            clauses.append((Occur.Must, _unscored(found)))
    if since is not None:
        clauses.append((Occur.Must, _unscored(_integers("id", since + 1, None))))
    if filters.collapse:
        hidden = [row["id"] for row in snapshot.remembered_rows(_COLLAPSED)]
        if hidden:
            clauses.append((Occur.MustNot, tantivy.Query.term_set_query(SCHEMA, "id", hidden)))
    if len(clauses) == 1:
        return query
    return tantivy.Query.boolean_query(clauses)


def _searcher(snapshot: Snapshot) -> Any:
    """The index as it stands for this request: one searcher for all its reads, so that a page,
    its total and its facets come from one commit of the index."""
    return snapshot.once("tantivy searcher", lambda: _open_searcher(snapshot))


def _open_searcher(snapshot: Snapshot) -> Any:
    path = snapshot.search_index
    if path is None:
        raise RuntimeError("this snapshot was not given the search index beside its database")
    try:
        empty = not snapshot.count(_ARCHIVE_SIZE, {})
        found = side_index.searcher(path, empty=empty)
        return _Timed(found, snapshot)
    except side_index.IndexMissing as missing:
        raise ServiceUnavailable(
            f"Search is not available yet: {missing}.", retry_after=30
        ) from None


class _Timed:
    """A searcher whose every call is preceded by a look at the snapshot's deadline: tantivy's
    work is not interrupted the way SQLite's is, so a request past its time limit (or, in the
    fast lane, past its slice) starts no more of it. A call once started runs to its end: each is
    bounded, the budget bounding a query's postings; and so a search that starts in the fast
    lane is seldom run twice."""

    def __init__(self, searcher: Any, snapshot: Snapshot) -> None:
        self.searcher = searcher
        self.snapshot = snapshot

    def search(self, *args: Any, **kwargs: Any) -> Any:
        self.snapshot.check_deadline()
        return self.searcher.search(*args, **kwargs)

    def aggregate(self, query: Query, asked: dict[str, Any]) -> Any:
        self.snapshot.check_deadline()
        return self.searcher.aggregate(query, asked)

    def fast_field_values(self, field: str, addresses: list[Any]) -> list[Any]:
        return list(self.searcher.fast_field_values(field, addresses))


def _count(searcher: Any, query: Query) -> int:
    return int(searcher.search(query, 1, count=True).count)


def _ids(searcher: Any, found: list[tuple[Any, Any]]) -> list[int]:
    return list(searcher.fast_field_values("id", [address for _, address in found]))


def _word(word: str) -> Query:
    """One word as the index holds it, in the title or the body."""
    return _any([tantivy.Query.term_query(SCHEMA, field, word) for field in FIELDS])


class TantivySearch:
    """The Backend (app/search/backend.py) over the index beside SQLite."""

    query_param = "match"
    prefix_weight: float = budget.TANTIVY_PREFIX_WEIGHT
    cost: float = budget.TANTIVY_COST
    facet_weight: float = budget.TANTIVY_FACET_WEIGHT
    total_cap: int | None = None  # tantivy counts every match on the way to the page
    vocabulary = _EXPANSIONS
    archive_size = _ARCHIVE_SIZE
    known_words = _KNOWN

    def compile(self, query: AllOf) -> str:
        return compile_fts5(query)

    def holders(self, snapshot: Snapshot, word: str, cap: int) -> int:
        return min(cap, _count(_searcher(snapshot), _word(word)))

    def count(
        self,
        snapshot: Snapshot,
        query: AllOf,
        filters: Filters,
        *,
        cap: int | None = None,
        since: int | None = None,
    ) -> int:
        found = _count(
            _searcher(snapshot), _filtered(snapshot, tantivy_query(query), filters, since)
        )
        return found if cap is None else min(cap, found)

    def shares(self, snapshot: Snapshot, expansions: Expansions, since: int, size: int) -> Shares:
        searcher = _searcher(snapshot)
        stands_for = {term_words(term.text)[-1]: found for term, found in expansions.items()}
        recent = _unscored(_integers("id", since + 1, None))

        def share(query: Query) -> float:
            both = tantivy.Query.boolean_query([(Occur.Must, query), (Occur.Must, recent)])
            return _count(searcher, both) / size

        def shares(needed: Sequence[str]) -> dict[str, float]:
            # a word: the share of releases holding any of its forms; a prefix: the sum of its
            # words' shares (an upper bound on the releases holding any)
            return {
                word: sum(share(_word(w)) for w in stands_for.get(word[:-1], []))
                if word.endswith("*")
                else share(of(word))
                for word in needed
            }

        def of(word: str) -> Query:
            if word.startswith(PAIR_MARK):  # a pair of common words (budget.estimate's)
                return _any([_pair(field, word) for field in FIELDS])
            return _any(_in_fields(sequences(word), False))

        return shares

    def related_index(self, snapshot: Snapshot) -> related.Index:
        searcher = _searcher(snapshot)

        def counts(words: Sequence[str], since: int) -> dict[str, int]:
            recent = _unscored(_integers("id", since + 1, None))
            return {
                word: _count(
                    searcher,
                    tantivy.Query.boolean_query([(Occur.Must, _word(word)), (Occur.Must, recent)]),
                )
                for word in words
            }

        def holders(words: Sequence[tuple[str, int]], n: int) -> list[list[int]]:
            # the newest n holders of each word: the id fast field's top n
            return [
                [key for key, _ in searcher.search(_word(word), n, False, "id").hits]
                for word, _ in words
            ]

        return related.Index(lambda: snapshot.count(_ARCHIVE_SIZE, {}) or 0, counts, holders)

    def facets(self, snapshot: Snapshot, query: Compiled, params: Params) -> Faceted:
        searcher = _searcher(snapshot)
        request = query.request
        matched = _filtered(snapshot, tantivy_query(request.query), request.filters)
        asked = {
            facet.value: {"terms": {"field": FACET_FIELDS[facet.value], "size": FACET_BUCKETS}}
            for facet in request.facets
        }
        found = searcher.aggregate(matched, asked)
        counts: FacetCounts = {}
        for facet in request.facets:
            buckets = [
                (
                    str(int(b["key"])) if facet.value == "year" else str(b["key"]),
                    int(b["doc_count"]),
                )
                for b in found[facet.value]["buckets"]
            ]
            buckets.sort(key=lambda item: (-item[1], item[0]))
            counts[facet.value] = buckets[:FACET_VALUES_LIMIT]
        return Faceted(counts, _count(searcher, matched))

    def ranked(
        self, snapshot: Snapshot, query: Compiled, params: Params, start: Position
    ) -> tuple[Rows, Position | None, int | None]:
        searcher = _searcher(snapshot)
        request = query.request
        matched = _filtered(snapshot, tantivy_query(request.query), request.filters)
        # The walk keeps to the releases there were at its first page: one added meanwhile
        # never enters it (its first page's `hi`, the highest id then).
        hi = start.hi
        if hi == FIRST_BLOCK:
            hi = snapshot.count(_ARCHIVE_SIZE, {}) or 0
        else:
            matched = tantivy.Query.boolean_query(
                [(Occur.Must, matched), (Occur.Must, _unscored(_integers("id", None, hi)))]
            )
        limit, offset = request.limit, start.offset
        wanted = offset + limit + 1
        # Equal scores are ordered by id, as everywhere: tantivy orders them by where they sit in
        # its segments, which differs from one index of the same releases to another. So the
        # read goes on TIES rows past the page, and the rows tied with the page's last one are
        # ordered by id with it: past TIES (a prefix's matches all score alike; a common word's
        # tie by the thousand, tantivy keeping a field's length in one byte) the rows at the cut
        # keep tantivy's order, stable while the index is unchanged. All in one read: a broad
        # match set ties at the cut more often than not, and a second read cost as much as the
        # first (each visits every match); reading the TIES rows too costs it 5 to 25 % more.
        # The first page counts the match set on the way (one pass, where a count of its own
        # would read every match again); a later one keeps to the releases of the first, so the
        # total, which is every match now, is counted apart.
        first = start.hi == FIRST_BLOCK
        found = searcher.search(matched, wanted + TIES, count=first)
        counted = found.count if first else None
        hits = found.hits
        if len(hits) >= wanted:  # the rows scored below the page's last one are not needed
            cut = hits[wanted - 1][0]
            hits = list(itertools.takewhile(lambda hit: hit[0] >= cut, hits))
        ordered = sorted(_rows(searcher, hits), key=lambda row: (row["k0"], row["k1"]))
        page = ordered[offset:wanted]
        if len(page) <= limit:
            return page, None, counted
        return page[:limit], Position(hi, offset=offset + limit), counted

    def date_rows(
        self, snapshot: Snapshot, query: Compiled, params: Params, total: Total
    ) -> tuple[Rows, int | None]:
        searcher = _searcher(snapshot)
        request = query.request
        matched = _filtered(snapshot, tantivy_query(request.query), request.filters)
        newest = request.sort is SearchSort.NEWEST
        if request.cursor is not None:
            key = side_index.order_key(params["k0"], params["k1"])
            beyond = (
                _integers("order", None, key - 1) if newest else _integers("order", key + 1, None)
            )
            matched = tantivy.Query.boolean_query(
                [(Occur.Must, matched), (Occur.Must, _unscored(beyond))]
            )
        order = tantivy.Order.Desc if newest else tantivy.Order.Asc
        # the first page counts the match set on the way; a later one, past its cursor, cannot
        first = request.cursor is None
        found = searcher.search(
            matched, request.limit + 1, count=first, order_by_field="order", order=order
        )
        rows = []
        for key, _ in found.hits:
            published_on, release_id = side_index.from_order_key(key)
            rows.append({"id": release_id, "k0": published_on, "k1": release_id})
        return rows, found.count if first else None

    def hits(self, snapshot: Snapshot, query: Compiled, ranked: Rows) -> list[Hit]:
        ids = [row["id"] for row in ranked]
        if query.request.sort is SearchSort.RELEVANCE:
            scores = {row["id"]: -row["k0"] for row in ranked}
        else:
            scores = _scores(snapshot, query.request.query, ids)
        return hits(snapshot, query.request.query, query.expansions, ids, scores)


def _rows(searcher: Any, found: list[tuple[float, Any]]) -> Rows:
    """(score, address) hits as rows: `k0` the score negated, `k1` the id."""
    ids = _ids(searcher, found)
    return [
        {"id": release_id, "k0": -float(score), "k1": release_id}
        for (score, _), release_id in zip(found, ids, strict=True)
    ]


def _scores(snapshot: Snapshot, query: AllOf, ids: list[int]) -> dict[int, float]:
    """The scores of a date-ordered page's releases, whose order gave none."""
    if not ids:
        return {}
    searcher = _searcher(snapshot)
    among = _unscored(tantivy.Query.term_set_query(SCHEMA, "id", ids))
    both = tantivy.Query.boolean_query([(Occur.Must, tantivy_query(query)), (Occur.Must, among)])
    found = searcher.search(both, len(ids), count=False).hits
    return {
        release_id: float(score)
        for (score, _), release_id in zip(found, _ids(searcher, found), strict=True)
    }
