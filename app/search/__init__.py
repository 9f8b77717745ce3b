"""Full-text search: user text is parsed into an AST (grammar.py), and each engine's backend
compiles it with quoting, so no user input ever reaches an engine as syntax. What a search does on
either engine is written once, in backend.py."""

from typing import Any

from app.reads import Snapshot
from app.search import backend, related
from app.search.postgres import PostgresSearch
from app.search.results import SearchRequest, SearchResults
from app.search.tantivy_search import TantivySearch

__all__ = ["SearchRequest", "related_to", "search"]

# SQLite's searches are the index beside its file's (app/search/side_index.py)
BACKENDS: dict[str, backend.Backend] = {"sqlite": TantivySearch(), "postgresql": PostgresSearch()}


def search(snapshot: Snapshot, request: SearchRequest) -> SearchResults:
    """The search, on the backend of the snapshot's engine."""
    return backend.search(BACKENDS[snapshot.dialect_name], snapshot, request)


def related_to(
    snapshot: Snapshot,
    release: dict[str, Any],
    leave_out: set[int],
    limit: int,
) -> list[int]:
    """The ids of the releases closest in content to this one (its row: title, body, language),
    never those in `leave_out` (app/search/related.py)."""
    index = BACKENDS[snapshot.dialect_name].related_index(snapshot)
    title, body, language = release["title"], release["body"], release["language"]
    return related.related(index, title, body, language, leave_out=leave_out, limit=limit)
