"""What a search does on either engine: one implementation (`search`) over one typed protocol
(`Backend`), which each engine's module implements with its own statements (app/search/sqlite.py,
app/search/postgres.py). The request comes in as a `SearchRequest`, the answer goes out as
`SearchResults`.

The shared part: bounding prefixes by the index's vocabulary, the work budget (estimated on a
sample of the newest releases, app/search/budget.py), the cursor and its owner, the order of the
steps, and the exact total (the first page's own rows when it holds them all, the facets' count,
or a count); each engine counts, facets, ranks and pages its own way.
"""

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from app.errors import BadRequest
from app.queries import Filters
from app.reads import Row, Snapshot, Statement
from app.search import budget, related, suggest
from app.search.expansions import Lookup, expand, prefix_range
from app.search.grammar import AllOf, parse
from app.search.results import (
    Compiled,
    Expansions,
    Faceted,
    Hit,
    PageRequest,
    Position,
    SearchRequest,
    SearchResults,
    SearchSort,
)
from app.text.analyser import prefix_form

Shares = Callable[[Sequence[str]], dict[str, float]]  # words → the sample's share holding each
Params = dict[str, Any]  # a statement's bound values
Rows = list[Row]
Total = Callable[[], int]


class Backend(Protocol):
    """One engine's statements and its ways, for `search`."""

    query_param: str  # the bound parameter that carries the compiled query
    prefix_weight: float  # the budget's cost of a prefix against a word's
    cost: float  # the budget's cost of a posting against FTS5's
    facet_weight: float  # the budget's cost of counting one match in the facets
    # How many matches a search's total is counted up to, when finding the page did not give it
    # (None: exactly, whatever their number): beyond it the total is that many, "gte".
    total_cap: int | None
    vocabulary: Statement  # indexed words in [low, high), in order, at most `limit`
    archive_size: Statement  # the highest id
    known_words: Statement  # which of the words bound as `terms` the vocabulary holds

    def holders(self, snapshot: Snapshot, word: str, cap: int) -> int:
        """How many releases hold one word as the index holds it, up to `cap`."""

    def count(
        self,
        snapshot: Snapshot,
        query: AllOf,
        filters: Filters,
        *,
        cap: int | None = None,
        since: int | None = None,
    ) -> int:
        """How many releases match (up to `cap`; among the ids above `since`)."""

    def compile(self, query: AllOf) -> str:
        """The query in the engine's own syntax, every word quoted (the cursor's owner names it)."""

    def shares(self, snapshot: Snapshot, expansions: Expansions, since: int, size: int) -> Shares:
        """The share of the sampled releases (ids above `since`, `size` of them) holding each
        word, or for `word*` any of the words it stands for, or for `~a~b` that pair of common
        words (app/text/common.py)."""

    def related_index(self, snapshot: Snapshot) -> related.Index:
        """What related releases are found with (app/search/related.py)."""

    def facets(self, snapshot: Snapshot, query: Compiled, params: Params) -> Faceted:
        """The request's facets over the match set (or, past `total_cap`, over that many of its
        newest matches), and how many matches they counted."""

    def ranked(
        self, snapshot: Snapshot, query: Compiled, params: Params, start: Position
    ) -> tuple[Rows, Position | None, int | None]:
        """A relevance page from `start` (each row's `id`), the next page's position (None at the
        end), and the exact total when finding the page gave it (None: it is to be counted)."""

    def date_rows(
        self, snapshot: Snapshot, query: Compiled, params: Params, total: Total
    ) -> tuple[Rows, int | None]:
        """A date-ordered page's rows and one more (`k0`: the date, `k1`: the id), and the exact
        total when finding them gave it; `total()` is the exact total, for a backend that plans
        by it."""

    def hits(self, snapshot: Snapshot, query: Compiled, ranked: Rows) -> list[Hit]:
        """The page's releases in `ranked` order, each with its score and snippet."""


def search(backend: Backend, snapshot: Snapshot, request: SearchRequest) -> SearchResults:
    expansions = expand(request.query, vocabulary_lookup(snapshot, backend.vocabulary))
    query = Compiled(request, backend.compile(request.query), expansions)
    _check_budget(backend, snapshot, query)
    page = PageRequest.make(request, query.text, backend.query_param)
    params = page.params
    faceted = backend.facets(snapshot, query, params) if request.facets else None

    def exact_total() -> int:
        if faceted is not None and faceted.relation == "eq":
            return faceted.matches
        return backend.count(snapshot, request.query, request.filters)

    def capped_total() -> tuple[int, str]:
        """The total and its relation to the number of matches, counted up to the cap."""
        if faceted is not None:
            return faceted.matches, faceted.relation
        if (cap := backend.total_cap) is None:
            return exact_total(), "eq"
        found = backend.count(snapshot, request.query, request.filters, cap=cap + 1)
        return (cap, "gte") if found > cap else (found, "eq")

    if request.sort is SearchSort.RELEVANCE:
        ranked, following, counted = backend.ranked(snapshot, query, params, page.position)
        next_cursor = page.relevance_cursor(following)
    else:
        ranked, counted = backend.date_rows(snapshot, query, params, exact_total)
        if request.cursor is None and len(ranked) <= request.limit:
            counted = len(ranked)
        ranked, next_cursor = page.cut(ranked, request.limit)
    # The first page holds the whole match set, or the engine counted it on the way, or the
    # facets did, or it is counted (up to the engine's cap).
    total, relation = (counted, "eq") if counted is not None else capped_total()
    found = backend.hits(snapshot, query, ranked)
    suggestion = None
    if request.text and total <= suggest.LITTLE:
        index = _suggestion_index(backend, snapshot, request)
        suggestion = suggest.suggest(request.text, request.query, total, index)
    return SearchResults(
        hits=found,
        total=total,
        next_cursor=next_cursor,
        facets={} if faceted is None else faceted.counts,
        suggestion=suggestion,
        total_relation=relation,
        facets_relation="eq" if faceted is None else faceted.relation,
    )


def _suggestion_index(
    backend: Backend, snapshot: Snapshot, request: SearchRequest
) -> suggest.Index:
    """The engine's vocabulary and counts, for "did you mean" (app/search/suggest.py)."""

    def known(words: list[str]) -> set[str]:
        return {row["term"] for row in snapshot.rows(backend.known_words, {"terms": words})}

    def holders(word: str) -> int:
        return backend.holders(snapshot, word, suggest.CAP)

    def matches(text: str) -> int:
        try:
            query = parse(text)
        except BadRequest:
            return 0
        return backend.count(snapshot, query, request.filters, cap=suggest.CAP)

    return suggest.Index(known, holders, matches)


def _check_budget(backend: Backend, snapshot: Snapshot, compiled: Compiled) -> None:
    """BadRequest when the query's work, estimated on a sample of the newest releases (counts
    remembered per database version, like every exact count), is over the budget."""
    request = compiled.request
    query, facets = request.query, bool(request.facets)
    if not budget.needs_estimate(query, facets):
        return
    archive = snapshot.count(backend.archive_size, {}) or 0
    since = archive - budget.SAMPLE
    size = max(1, min(budget.SAMPLE, archive))
    matches = 0.0
    if facets:
        matches = backend.count(snapshot, query, request.filters, since=since) / size
    shares = backend.shares(snapshot, compiled.expansions, since, size)
    # an engine that counts up to a cap reads no more than the cap's or the window's matches
    cap = None if backend.total_cap is None else max(backend.total_cap, request.window)
    found = budget.estimate(
        query,
        shares,
        matches,
        archive,
        prefix_weight=backend.prefix_weight,
        cap=cap,
    )
    weights = budget.Weights(request.postings, backend.cost, backend.facet_weight)
    budget.check(found, facets=facets, archive=archive, weights=weights)
    # a search this broad outgrows SQLite's fast lane: sent on to the slow one before it runs
    if budget.outgrows_slice(found, facets=facets, weights=weights):
        snapshot.outgrows_slice()


def vocabulary_lookup(snapshot: Snapshot, vocabulary: Statement) -> Lookup:
    """The indexed words a prefix stands for, read from the engine's vocabulary."""

    def lookup(word: str, limit: int) -> list[str]:
        low, high = prefix_range(prefix_form(word))
        found = snapshot.rows(vocabulary, {"low": low, "high": high, "limit": limit})
        return [row["term"] for row in found]

    return lookup
