"""Full-text search: user text is parsed into an AST (grammar.py), and each engine's backend
compiles it with quoting, so no user input ever reaches an engine as syntax."""

from typing import Any

from app.reads import Snapshot
from app.search import postgres, sqlite
from app.search.results import SearchResults


def search(snapshot: Snapshot, **request: Any) -> SearchResults:
    """The search, on the backend of the snapshot's engine."""
    if snapshot.dialect_name == "postgresql":
        return postgres.search(snapshot, **request)
    return sqlite.search(snapshot, **request)
