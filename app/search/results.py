"""What every search backend takes and returns, besides the query itself."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class SearchSort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


class Facet(StrEnum):
    SOURCE = "source"
    LANGUAGE = "language"
    YEAR = "year"


FACET_VALUES_LIMIT = 100


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
