"""Every string is a valid query or a 400 problem that says why: never a 5xx, never an engine
error. Property-based, over arbitrary Unicode and over the grammar's own characters in odd
places."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import Settings
from app.errors import PROBLEM_JSON, BadRequest
from app.main import create_app
from app.search import side_index
from app.search.fts5_query import compile_fts5
from app.search.grammar import parse
from app.search.tantivy_search import tantivy_query

FRAGMENTS = [
    '"',
    '""',
    "-",
    "--",
    "*",
    "**",
    "OR",
    "or",
    "AND",
    "NOT",
    "NEAR",
    "NEAR(",
    "(",
    ")",
    "()",
    "title:",
    "TITLE:",
    "title:-",
    "body:",
    ":",
    "^",
    "{",
    "}",
    "{title}",
    "+",
    "'",
    "\\",
    "\x00",
    "\x1b",
    "\u200b",
    "\ufeff",
    "almaty",
    "Қазақстан",
    "Türkiye",
    "a",
    "1",
    " ",
    "  ",
    "\t",
    "\n",
    "ﬁ",
    "İ",
    "ß",
    "😀",
    "\U0010ffff",
]
query_like = st.lists(st.sampled_from(FRAGMENTS), max_size=24).map("".join)
any_text = st.text(max_size=200)
queries = st.one_of(
    query_like, any_text, st.lists(st.one_of(query_like, any_text), max_size=4).map(" ".join)
)

KNOWN_400 = (
    "has no searchable word",
    "only excludes words",
    "puts an excluded word in an OR",
    "nests parentheses",
    "terms; at most",
)


@pytest.fixture(scope="module")
def corpus_client(corpus_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=f"sqlite:///{corpus_db}"))) as client:
        yield client


@settings(
    max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=queries)
def test_every_parsed_query_compiles_to_valid_fts5_and_runs_on_the_index(
    corpus_db: Path, text: str
) -> None:
    try:
        query = parse(text)
    except BadRequest as error:
        rejected = error.detail
    else:
        rejected = ""
    if rejected:
        assert any(known in rejected for known in KNOWN_400), rejected
        return
    # FTS5 text picks a long release's passage and names a query; the index beside the file
    # runs the tantivy query
    with sqlite3.connect(":memory:") as db:
        db.execute("CREATE VIRTUAL TABLE t USING fts5(title, body, content='', tokenize='ascii')")
        db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY rank", (compile_fts5(query),))
    index = side_index.opened(side_index.location(corpus_db))
    index.searcher().search(tantivy_query(query), 20, count=True)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=queries, sort=st.sampled_from(["relevance", "newest", "oldest"]))
def test_the_api_answers_every_query_with_results_or_a_problem(
    corpus_client: TestClient, text: str, sort: str
) -> None:
    response = corpus_client.get("/v1/search", params={"q": text, "sort": sort, "facets": "year"})
    if response.status_code == 200:
        body = response.json()
        assert body["total"] == len(body["items"])
        for item in body["items"]:
            assert "<" not in item["snippet"].replace("<mark>", "").replace("</mark>", "")
        return
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    if response.status_code == 422:  # empty, over 512 characters, or not valid in a URL
        assert body["errors"][0]["parameter"] == "query.q"
    else:
        assert response.status_code == 400
        assert any(known in body["detail"] for known in KNOWN_400), body["detail"]


@pytest.mark.parametrize(
    ("text", "status", "outcome"),
    [
        ("almaty" + "\x00" * 3, 200, 3),
        ("a*" * 256, 200, 0),
        ("almaty " + "OR " * 168, 200, 3),
        ('"' * 511, 400, "has no searchable word"),
        ("(" * 511 + "a", 400, "nests parentheses more than 8 deep"),
        ("-" * 512, 400, "has no searchable word"),
    ],
)
def test_hostile_edges(
    corpus_client: TestClient, text: str, status: int, outcome: int | str
) -> None:
    response = corpus_client.get("/v1/search", params={"q": text})
    assert response.status_code == status
    body = response.json()
    if status == 200:
        assert body["total"] == outcome
    else:
        assert str(outcome) in body["detail"]
