"""Full-text search: user text is parsed into an AST (grammar.py), and each engine's backend
compiles it with quoting, so no user input ever reaches an engine as syntax."""

from typing import Any

from sqlalchemy import Connection

from app.search import postgres, sqlite
from app.search.results import SearchResults


def search(connection: Connection, **request: Any) -> SearchResults:
    """The search, on the backend of the connection's engine."""
    if connection.dialect.name == "postgresql":
        return postgres.search(connection, **request)
    return sqlite.search(connection, **request)
