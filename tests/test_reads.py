"""The serving path reads rows as SQLAlchemy would: every statement a request runs through a
Snapshot (app/reads.py, the driver's own cursor) gives the rows that `Connection.execute(…)
.mappings()` gives for the same statement and values, on both engines: dates, timestamps with
zones, lists of values, NULLs."""

import copy
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app import link_queries, queries, reader, schema_version
from app.reads import Snapshot, Statement
from app.search import index, postgres, postgres_hits, sqlite_hits, tantivy_search
from tests.fixtures.recorded_requests import load_archive, send
from tests.fixtures.releases import Ingest

Seen = list[tuple[str, Statement, dict[str, Any], Any]]


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Seen:
    """Every statement a Snapshot runs, with its values and what it read."""
    found: Seen = []
    rows, scalar = Snapshot.rows, Snapshot.scalar

    def recording_rows(
        self: Snapshot, statement: Statement, params: Mapping[str, Any] = {}
    ) -> list[dict[str, Any]]:
        read = rows(self, statement, params)
        found.append(("rows", statement, dict(params), copy.deepcopy(read)))
        return read

    def recording_scalar(
        self: Snapshot, statement: Statement, params: Mapping[str, Any] = {}
    ) -> Any:
        read = scalar(self, statement, params)
        found.append(("scalar", statement, dict(params), read))
        return read

    monkeypatch.setattr(Snapshot, "rows", recording_rows)
    monkeypatch.setattr(Snapshot, "scalar", recording_scalar)
    return found


def _as_sqlalchemy_reads(engine: Engine, kind: str, statement: Statement, params: Any) -> Any:
    with engine.connect() as connection:
        result = connection.execute(statement.statement, params)
        return [dict(row) for row in result.mappings()] if kind == "rows" else result.scalar()


def _module_statements(dialect: str) -> list[Statement]:
    """The serving path's statements made when their modules load (those made per filter shape
    are made as the requests need them): the shared ones and the engine's own."""
    modules: list[Any] = [queries, link_queries, index, schema_version]
    if dialect == "sqlite":
        modules += [tantivy_search, sqlite_hits]
    else:
        modules += [postgres, postgres_hits, reader]
    found = [v for m in modules for v in vars(m).values() if isinstance(v, Statement)]
    passage_hits = sqlite_hits if dialect == "sqlite" else postgres_hits
    return [*found, passage_hits._BEST_PASSAGE.statement]


def test_every_serving_statement_reads_as_through_sqlalchemy(
    client: TestClient, load: Ingest, engine: Engine, seen: Seen, dialect: str
) -> None:
    load_archive(load, engine)
    long = "\n\n".join(
        f"Paragraph {n} on trade and transit talks in Almaty. " * 12 for n in range(30)
    )
    load({"long-release": f"date 2024-05-01 A long release on transit\n\n{long}\n"})
    for _request, response in send(client):
        assert response.status_code < 500, response.text
    # the paths the recorded requests do not take: pages past the first, filtered, a search's
    # work estimated, a long release's passage, a date-ordered page's scores
    for path in (
        "/v1/search?q=almaty&limit=1&source=MFA&language=en&from=2000-01-01&to=2030-01-01",
        "/v1/press-releases?limit=1&language=kk&language=ru&from=2000-01-01",
        "/v1/search?q=transit&limit=1&sort=newest&facets=year",
        "/v1/search?q=tra*+OR+almaty+OR+talks&limit=1",
    ):
        page = client.get(path).json()
        assert page["next_cursor"] is not None, path
        assert client.get(f"{path}&cursor={page['next_cursor']}").status_code == 200
    if dialect == "postgresql":
        # a read that waited for its connection sets what is left of its limit (app/reader.py)
        reader = client.app.state.reader  # type: ignore[attr-defined]
        assert reader._postgres(lambda snapshot: "read", reader.timeout_seconds / 2) == "read"

    ran = {id(statement) for _, statement, _, _ in seen}
    missed = [
        str(s.statement.compile(dialect=engine.dialect))
        for s in _module_statements(dialect)
        if id(s) not in ran
    ]
    assert missed == []
    for kind, statement, params, read in seen:
        assert read == _as_sqlalchemy_reads(engine, kind, statement, params), (
            str(statement.statement),
            params,
        )

    values = [
        v for kind, _, _, rows in seen if kind == "rows" for row in rows for v in row.values()
    ]
    kinds = {type(v) for v in values}
    assert {date, datetime, int, str, type(None)} <= kinds  # a NULL source or language among them
    assert all(v.tzinfo is UTC for v in values if isinstance(v, datetime))
    lists = {
        name for _, _, params, _ in seen for name, v in params.items() if v and type(v) is list
    }
    assert {"ids", "languages", "sources"} <= lists
