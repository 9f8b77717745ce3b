"""What every search backend returns."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class SearchSort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


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
