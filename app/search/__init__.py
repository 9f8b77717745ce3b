"""Full-text search: user text is parsed into an AST (grammar.py), and each engine's backend
compiles it with quoting, so no user input ever reaches an engine as syntax. What a search does on
either engine is written once, in backend.py."""

from app.reads import Snapshot
from app.search import backend
from app.search.postgres import PostgresSearch
from app.search.results import SearchRequest, SearchResults
from app.search.sqlite import SqliteSearch

__all__ = ["SearchRequest", "search"]

BACKENDS: dict[str, backend.Backend] = {"sqlite": SqliteSearch(), "postgresql": PostgresSearch()}


def search(snapshot: Snapshot, request: SearchRequest) -> SearchResults:
    """The search, on the backend of the snapshot's engine."""
    return backend.search(BACKENDS[snapshot.dialect_name], snapshot, request)
