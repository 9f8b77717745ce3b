"""What every search backend takes and returns, besides the query itself."""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from app import cursors
from app.queries import NO_FILTERS, Filters
from app.search.budget import BUDGET
from app.search.grammar import AllOf, Term


class SearchSort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


class Facet(StrEnum):
    SOURCE = "source"
    LANGUAGE = "language"
    YEAR = "year"


FACET_VALUES_LIMIT = 100
FacetCounts = dict[str, list[tuple[str, int]]]  # each facet's (value, count), most frequent first


@dataclass(frozen=True, slots=True)
class Hit:
    row: dict[str, Any]
    score: float
    snippet: str


@dataclass(frozen=True, slots=True)
class SearchResults:
    hits: list[Hit]
    total: int
    next_cursor: str | None
    facets: FacetCounts = field(default_factory=dict)
    suggestion: str | None = None
    total_relation: str = "eq"  # "gte": there are more matches than `total` (Backend.total_cap)
    facets_relation: str = "eq"  # "gte": the facets counted the newest `total` matches of more


@dataclass(frozen=True, slots=True)
class Faceted:
    """A search's facets, and how many matches they counted: every match (`relation` "eq"), or
    the engine's cap of them, the newest, when there are more ("gte": each count is a floor)."""

    counts: FacetCounts
    matches: int
    relation: str = "eq"


def cube_total(cube: Iterable[Mapping[str, Any]]) -> int:
    """How many matches a facet cube counts (each row's count is its last value): the whole match
    set, releases with no value in a facet included, so a search with facets needs no count."""
    return sum(list(row.values())[-1] for row in cube)


def sum_facets(facets: tuple[Facet, ...], cube: Iterable[Mapping[str, Any]]) -> FacetCounts:
    """Per-facet counts from a cube (each row: one value per facet, then a count, in that order),
    most frequent first (ties by value); releases with no value (no source, say) are not counted."""
    totals: dict[Facet, Counter[str]] = {facet: Counter() for facet in facets}
    for row in cube:
        *values, count = row.values()
        for facet, value in zip(facets, values, strict=True):
            if value is not None:
                totals[facet][str(value)] += count
    return {
        facet.value: sorted(counter.items(), key=lambda item: (-item[1], item[0]))[
            :FACET_VALUES_LIMIT
        ]
        for facet, counter in totals.items()
    }


# Relevance is ranked a block of matches at a time: the WINDOW matches with the highest ids (the
# most recently added) first, ranked among themselves, then the next WINDOW, and so on. Ranking
# every match costs each engine time in proportion to the matches (FTS5 computes bm25 for each;
# PostgreSQL reads each one's tsvector), seconds for a common word in a large archive; a block
# costs the same whatever the archive holds. A match set of up to WINDOW matches is one block:
# ranked exactly, as a whole. RANK_WINDOW sets it.
WINDOW = 10_000
FIRST_BLOCK = 2**62  # the first block's upper bound on ids: above every id

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Position:
    """Where a relevance walk resumes: in the block of the matches with ids up to `hi`, after the
    row whose (score key, id) is `after`, or at the block's start when `after` is None. An engine
    that ranks the whole match set at once (app/search/tantivy_search.py) resumes `offset` rows
    into the matches with ids up to `hi` instead."""

    hi: int
    after: tuple[float, int] | None = None
    offset: int = 0


# fetch(hi, after, n): up to n rows of block `hi` past `after`, best first, each with its `k0`
# (the engine's score key), `k1` (id), and its block's `lo` and `top` (lowest and highest id) and
# `size` (how many matches it holds).
Fetch = Callable[[int, tuple[float, int] | None, int], list[Row]]


def block_params(hi: int, position: tuple[float, int] | None, n: int) -> dict[str, Any]:
    """The bound values of a block's statement: its upper id, the position past which its rows
    are wanted (none: from its start), how many."""
    found: dict[str, Any] = {"hi": hi, "n": n}
    if position is not None:
        found |= {"k0": position[0], "k1": position[1]}
    return found


def relevance_page(
    fetch: Fetch, start: Position, limit: int, window: int
) -> tuple[list[Row], Position | None, bool]:
    """A page of `limit` rows from `start`, from as many blocks as it takes; the position of the
    next page (None at the end); and whether the page holds the whole match set."""
    rows: list[Row] = []
    hi, after = start.hi, start.after
    blocks = 0
    while len(rows) <= limit:
        found = fetch(hi, after, limit + 1 - len(rows))
        blocks += 1
        rows += found
        if len(rows) > limit or not found or found[0]["size"] < window or found[0]["lo"] <= 1:
            break
        hi, after = found[0]["lo"] - 1, None  # the block is spent: on to the next one
    whole = start == Position(FIRST_BLOCK) and blocks == 1 and len(rows) <= limit
    whole = whole and (not rows or rows[0]["size"] < window)
    if len(rows) <= limit:
        return rows, None, whole
    last, following = rows[limit - 1], rows[limit]
    if following["top"] == last["top"]:  # the next page goes on in the same block
        return rows[:limit], Position(last["top"], (last["k0"], last["k1"])), False
    return rows[:limit], Position(following["top"]), False


@dataclass(frozen=True, slots=True)
class SearchRequest:
    query: AllOf
    limit: int
    sort: SearchSort = SearchSort.RELEVANCE
    filters: Filters = NO_FILTERS
    cursor: str | None = None
    facets: tuple[Facet, ...] = ()
    window: int = WINDOW  # matches ranked at a time
    postings: int = BUDGET  # the work budget (app/search/budget.py)
    text: str = ""  # the query as typed, for "did you mean" (none without it)


Expansions = dict[Term, list[str]]  # each prefix term: the indexed words it stands for


@dataclass(frozen=True, slots=True)
class Compiled:
    """A request and its query in the engine's syntax; `expansions`: the indexed words each
    prefix term stands for."""

    request: SearchRequest
    text: str
    expansions: Expansions


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What both backends do alike around their own queries: the cursor's owner (the compiled query,
    the sort and the filters), the bound parameters, where a relevance walk resumes, and the next
    page's cursor."""

    owner: str
    params: dict[str, Any]
    position: Position

    @classmethod
    def make(cls, request: SearchRequest, compiled: str, query_param: str) -> "PageRequest":
        """`compiled` is the query in the engine's syntax, bound as `query_param`."""
        sort, filters, cursor = request.sort, request.filters, request.cursor
        # The window is the cursor's business too: blocks of another size are other pages.
        collapsed = ("collapse=duplicates",) if filters.collapse else ()
        owner = cursors.fingerprint("search", compiled, sort, filters, request.window, *collapsed)
        params = filters.params() | {
            query_param: compiled,
            "limit": request.limit + 1,
            "window": request.window,
        }
        position = Position(FIRST_BLOCK)
        if cursor is not None and sort is SearchSort.RELEVANCE:
            hi, k0, k1 = cursors.decode(cursor, owner, (int, (float, None), (int, None)))
            if k0 is None:  # [hi, None, offset], or a block's start: [hi, None, None]
                position = Position(hi, offset=k1 or 0)
            else:
                position = Position(hi, None if k1 is None else (k0, k1))
        elif cursor is not None:
            params["k0"], params["k1"] = cursors.decode(cursor, owner, (date, int))
        return cls(owner, params, position)

    def cut(self, ranked: list[Row], limit: int) -> tuple[list[Row], str | None]:
        """A date-ordered page's rows (one more was fetched to know) and the next page's cursor."""
        if len(ranked) <= limit:
            return ranked, None
        page = ranked[:limit]
        k0, k1 = page[-1]["k0"], page[-1]["k1"]
        return page, cursors.encode([k0.isoformat(), k1], self.owner)

    def relevance_cursor(self, position: Position | None) -> str | None:
        if position is None:
            return None
        k0, k1 = position.after or (None, position.offset or None)
        return cursors.encode([position.hi, k0, k1], self.owner)
