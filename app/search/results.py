"""What every search backend takes and returns, besides the query itself."""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from app import cursors


class SearchSort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


class Facet(StrEnum):
    SOURCE = "source"
    LANGUAGE = "language"
    YEAR = "year"


FACET_VALUES_LIMIT = 100

# Snippet markers: control characters that ingestion strips from every release, so they can only
# come from the engine's snippet function; the text around them is HTML-escaped before they become
# <mark> tags.
OPEN_MARK, CLOSE_MARK = "\x02", "\x03"


def marks_to_tags(escaped: str) -> str:
    return escaped.replace(OPEN_MARK, "<mark>").replace(CLOSE_MARK, "</mark>")


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
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def sum_facets(
    facets: tuple[Facet, ...], cube: Iterable[Mapping[str, Any]]
) -> dict[str, list[tuple[str, int]]]:
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


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What both backends do alike around their own queries: the cursor's owner (the compiled query,
    the sort and the filters), the bound parameters, and the next page's cursor."""

    owner: str
    params: dict[str, Any]

    @classmethod
    def make(
        cls,
        compiled: str,
        *,
        sort: SearchSort,
        filters: Any,
        cursor: str | None,
        limit: int,
        query_param: str,
    ) -> "PageRequest":
        owner = cursors.fingerprint("search", compiled, sort, filters)
        params = filters.params() | {query_param: compiled, "limit": limit + 1}
        if cursor is not None:
            types = (float, int) if sort is SearchSort.RELEVANCE else (date, int)
            params["k0"], params["k1"] = cursors.decode(cursor, owner, types)
        return cls(owner, params)

    def cut(
        self, ranked: list[dict[str, Any]], limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The page's rows (one more was fetched to know) and the next page's cursor, if any."""
        if len(ranked) <= limit:
            return ranked, None
        page = ranked[:limit]
        k0, k1 = page[-1]["k0"], page[-1]["k1"]
        return page, cursors.encode(
            [k0.isoformat() if isinstance(k0, date) else k0, k1], self.owner
        )
