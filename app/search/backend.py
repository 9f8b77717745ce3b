"""What a search does on either engine: one implementation (`search`) over one typed protocol
(`Backend`), which each engine's module implements with its own statements (app/search/sqlite.py,
app/search/postgres.py). The request comes in as a `SearchRequest`, the answer goes out as
`SearchResults`.

The shared part: bounding prefixes by the index's vocabulary, the work budget (estimated on a
sample of the newest releases, app/search/budget.py), the cursor and its owner, the relevance walk
a block of matches at a time, the date-ordered page, the exact total (the first page's own rows
when it holds them all, the facet cube's sum, or a count remembered per database version), the
facets, and the page's hits.
"""

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import ColumnElement, func, select

from app.errors import BadRequest
from app.queries import NO_FILTERS, FilterShape
from app.reads import Row, Snapshot, Statement
from app.search import budget, related, suggest
from app.search.expansions import Lookup, expand, prefix_range
from app.search.grammar import AllOf, parse
from app.search.results import (
    Compiled,
    Expansions,
    Facet,
    Fetch,
    Hit,
    PageRequest,
    SearchRequest,
    SearchResults,
    SearchSort,
    cube_total,
    relevance_page,
    sum_facets,
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
    vocabulary: Statement  # indexed words in [low, high), in order, at most `limit`
    archive_size: Statement  # the highest id
    known_words: Statement  # which of the words bound as `terms` the vocabulary holds

    def index_word(self, word: str) -> str:
        """A query, in the engine's syntax, for one word as the index holds it."""

    def capped(self, shape: FilterShape) -> Statement:
        """How many releases match, up to `cap`."""

    def compile(self, query: AllOf) -> str:
        """The query in the engine's own syntax, every word quoted."""

    def shares(self, snapshot: Snapshot, expansions: Expansions, since: int, size: int) -> Shares:
        """The share of the sampled releases (ids above `since`, `size` of them) holding each
        word, or for `word*` any of the words it stands for."""

    def sampled(self, shape: FilterShape) -> Statement:
        """How many of the releases with ids above `since` match."""

    def related_index(self, snapshot: Snapshot) -> related.Index:
        """What related releases are found with (app/search/related.py)."""

    def count(self, shape: FilterShape) -> Statement:
        """How many releases match."""

    def facet_cube(self, shape: FilterShape, facets: tuple[Facet, ...]) -> Statement:
        """The matches counted by each combination of the facets' values."""

    def fetch(self, snapshot: Snapshot, shape: FilterShape, params: Params) -> Fetch:
        """The relevance walk's blocks (app/search/results.py, `Fetch`)."""

    def date_rows(self, snapshot: Snapshot, query: Compiled, params: Params, total: Total) -> Rows:
        """A date-ordered page's rows and one more (`k0`: the date, `k1`: the id); `total()` is
        the exact total, for a backend that plans by it."""

    def hits(self, snapshot: Snapshot, query: Compiled, ranked: Rows) -> list[Hit]:
        """The page's releases in `ranked` order, each with its score and snippet."""


def search(backend: Backend, snapshot: Snapshot, request: SearchRequest) -> SearchResults:
    expansions = expand(request.query, vocabulary_lookup(snapshot, backend.vocabulary))
    query = Compiled(request, backend.compile(request.query), expansions)
    _check_budget(backend, snapshot, query)
    shape = request.filters.shape
    page = PageRequest.make(request, query.text, backend.query_param)
    params = page.params
    facets = request.facets
    cube = snapshot.rows(backend.facet_cube(shape, facets), params) if facets else None

    def exact_total() -> int:
        return (
            cube_total(cube) if cube is not None else snapshot.count(backend.count(shape), params)
        )

    if request.sort is SearchSort.RELEVANCE:
        fetch = backend.fetch(snapshot, shape, params)
        ranked, following, whole = relevance_page(
            fetch, page.position, request.limit, request.window
        )
        next_cursor = page.relevance_cursor(following)
    else:
        ranked = backend.date_rows(snapshot, query, params, exact_total)
        whole = request.cursor is None and len(ranked) <= request.limit
        ranked, next_cursor = page.cut(ranked, request.limit)
    # The first page holds the whole match set, or the facets counted it, or it is counted.
    total = len(ranked) if whole else exact_total()
    found = backend.hits(snapshot, query, ranked)
    counts = {} if cube is None else sum_facets(facets, cube)
    suggestion = None
    if request.text and total <= suggest.LITTLE:
        index = _suggestion_index(backend, snapshot, request)
        suggestion = suggest.suggest(request.text, request.query, total, index)
    return SearchResults(
        hits=found, total=total, next_cursor=next_cursor, facets=counts, suggestion=suggestion
    )


def _suggestion_index(
    backend: Backend, snapshot: Snapshot, request: SearchRequest
) -> suggest.Index:
    """The engine's vocabulary and counts, for "did you mean" (app/search/suggest.py)."""
    words_only = backend.capped(NO_FILTERS.shape)
    filtered = backend.capped(request.filters.shape)
    cap = {"cap": suggest.CAP}

    def known(words: list[str]) -> set[str]:
        return {row["term"] for row in snapshot.rows(backend.known_words, {"terms": words})}

    def holders(word: str) -> int:
        return snapshot.count(words_only, {backend.query_param: backend.index_word(word)} | cap)

    def matches(text: str) -> int:
        try:
            compiled = backend.compile(parse(text))
        except BadRequest:
            return 0
        params = request.filters.params() | {backend.query_param: compiled} | cap
        return snapshot.count(filtered, params)

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
        params = request.filters.params() | {backend.query_param: compiled.text, "since": since}
        matches = snapshot.count(backend.sampled(request.filters.shape), params) / size
    shares = backend.shares(snapshot, compiled.expansions, since, size)
    found = budget.estimate(query, shares, matches, archive, prefix_weight=backend.prefix_weight)
    budget.check(
        found, facets=facets, archive=archive, postings=request.postings, cost=backend.cost
    )


def vocabulary_lookup(snapshot: Snapshot, vocabulary: Statement) -> Lookup:
    """The indexed words a prefix stands for, read from the engine's vocabulary."""

    def lookup(word: str, limit: int) -> list[str]:
        low, high = prefix_range(prefix_form(word))
        found = snapshot.rows(vocabulary, {"low": low, "high": high, "limit": limit})
        return [row["term"] for row in found]

    return lookup


def facet_cube(
    facet_columns: dict[Facet, Any],
    facets: tuple[Facet, ...],
    source: Any,
    where: Sequence[ColumnElement[bool]],
) -> Statement:
    """One pass over the match set for every facet asked for: the count of each combination of
    their values (a few thousand rows at most), summed per facet in Python (`sum_facets`)."""
    columns = [facet_columns[facet].label(facet.value) for facet in facets]
    return Statement(
        select(*columns, func.count().label("count"))
        .select_from(source)
        .where(*where)
        .group_by(*columns)
    )
