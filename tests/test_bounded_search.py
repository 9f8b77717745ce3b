"""Searches whose cost is bounded by the page: relevance ranked a block of matches at a time on
PostgreSQL (the embedded default's index ranks the whole match set at once, with top-k pruning),
and prefix terms bounded by the words of the index they stand for. On both engines, the same
answers, but for the order of a match set larger than PostgreSQL's window."""

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.search.expansions import MAX_EXPANSIONS
from app.search.postgres import PostgresSearch
from tests.fixtures.problems import assert_problem
from tests.fixtures.releases import Ingest, seed_text

# id → how often the release says "common": the more, the better it ranks
OCCURRENCES = [5, 1, 8, 2, 7, 3, 6, 4]
# the whole match set ranked, best first
WHOLE = [3, 5, 7, 1, 8, 6, 4, 2]
# blocks of three, the highest ids first: {8, 7, 6} ranked 7 (6 times), 8 (4), 6 (3); then
# {5, 4, 3}: 3 (8), 5 (7), 4 (2); then {2, 1}: 1 (5), 2 (1)
BLOCKS = [7, 8, 6, 3, 5, 4, 1, 2]


def in_windows(database_url: str) -> list[int]:
    """The order a walk with a window of three gives: PostgreSQL ranks a block at a time, the
    index beside SQLite the whole set."""
    return WHOLE if database_url.startswith("sqlite") else BLOCKS


@pytest.fixture
def ranked(load: Ingest) -> None:
    for i, times in enumerate(OCCURRENCES, start=1):
        load({f"r{i}": seed_text("2025-01-01", f"Report {i}", " ".join(["common"] * times))})


@pytest.fixture
def windowed(database_url: str) -> Iterator[TestClient]:
    """The API ranking relevance three matches at a time."""
    with TestClient(create_app(Settings(database_url=database_url, rank_window=3))) as client:
        yield client


def walk(
    client: TestClient, params: dict[str, Any], between: Any = None, total: int = 8
) -> list[int]:
    """The ids of every page of the search, calling `between()` after the first page; every
    page's total is `total` (before `between`, 8)."""
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        page = client.get("/v1/search", params=params | ({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.json()
        body = page.json()
        assert body["total"] == (total if between is None else len(OCCURRENCES))
        seen += [item["press_release"]["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
        if between is not None:
            between()
            between = None
    raise AssertionError("the walk did not end")


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 20])
def test_relevance_is_exact_within_each_block_newest_block_first(
    windowed: TestClient, ranked: None, limit: int, database_url: str
) -> None:
    assert walk(windowed, {"q": "common", "limit": limit}) == in_windows(database_url)


def test_a_match_set_within_the_window_is_ranked_as_a_whole(
    client: TestClient, ranked: None
) -> None:
    assert walk(client, {"q": "common", "limit": 3}) == WHOLE


def test_a_release_added_during_a_relevance_walk_does_not_enter_it(
    windowed: TestClient, ranked: None, load: Ingest, database_url: str
) -> None:
    def add_the_best_match() -> None:
        load({"best": seed_text("2025-01-02", "Best", " ".join(["common"] * 20))})

    seen = walk(windowed, {"q": "common", "limit": 2}, between=add_the_best_match, total=9)
    assert seen == in_windows(database_url)


@pytest.fixture
def many_words(load: Ingest) -> None:
    """Releases holding MAX_EXPANSIONS + 2 distinct words that start with `zq`, all but two of
    them with `zqa`; and the word `delegations`."""
    letters = "bcdfghjkmnpqrtvwxz"  # consonants that neither stemmer takes off a word's end
    words = ["zq" + a + b + c for a, b, c in itertools.product("a", letters, letters)]
    words = [*words[:MAX_EXPANSIONS], "zqbxyz", "zqcxyz"]
    for n in range(0, len(words), 10):
        text = " ".join(words[n : n + 10])
        load({f"w{n}": seed_text("2025-01-01", f"Words {n}", f"The delegations list {text}.")})


def test_a_prefix_that_stands_for_too_many_words_is_a_400_that_says_so(
    client: TestClient, many_words: None
) -> None:
    response = client.get("/v1/search", params={"q": "zq*"})
    assert_problem(
        response,
        400,
        "Bad Request",
        f"The prefix zq* stands for more than {MAX_EXPANSIONS} words of the index (a query's "
        f"prefixes may stand for at most {MAX_EXPANSIONS}): write more of the word before the *, "
        "or search for the whole word.",
        "/v1/search",
    )
    # the same words, bounded by what the query's prefixes stand for in all
    response = client.get("/v1/search", params={"q": "zqa* OR zqb*"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The prefix zqb* stands for more than 0 words")


@pytest.mark.parametrize(
    ("q", "total"), [("zqa*", 13), ("zqb*", 1), ("zqbx*", 1), ("zqaj*", 3), ("zqd*", 0)]
)
def test_a_prefix_within_the_bound_finds_what_it_stands_for(
    client: TestClient, many_words: None, q: str, total: int
) -> None:
    response = client.get("/v1/search", params={"q": q, "limit": 1})
    assert (response.status_code, response.json()["total"]) == (200, total)


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_a_prefix_is_marked_in_the_snippet_as_the_release_wrote_it(
    client: TestClient, load: Ingest, sort: str
) -> None:
    load({"d": seed_text("2025-01-01", "Talks", "Two delegations met in Almaty.")})
    [hit] = client.get("/v1/search", params={"q": "deleg*", "sort": sort}).json()["items"]
    assert "<mark>delegations</mark>" in hit["snippet"]
    [hit] = client.get("/v1/search", params={"q": "title:tal*", "sort": sort}).json()["items"]
    assert hit["snippet"] == "<mark>Talks</mark>"


@pytest.fixture
def budgeted(database_url: str, load: Ingest) -> Iterator[TestClient]:
    """Twenty releases that all hold `common` and `alpha`, two of them `rare`, served with a
    budget of 5 postings (for a single word, the archive's 20 releases)."""
    for i in range(1, 21):
        extra = " rare" if i <= 2 else ""
        load({f"b{i:02}": seed_text("2025-01-01", f"Budget {i}", f"common alpha{extra}")})
    with TestClient(create_app(Settings(database_url=database_url, search_budget=5))) as client:
        yield client


def broad(postings: int, budget: int) -> str:
    return (
        f"The query is too broad to answer quickly: its words and phrases occur about "
        f"{postings} times in the archive, and a search may read about {budget}. Use rarer "
        "words, fewer alternatives (OR), or phrases that hold a rarer word."
    )


@pytest.mark.parametrize(
    ("q", "postings"),
    [("common OR alpha", 40), ("common alpha", 40), ('"common alpha"', 80), ("rare OR alpha", 22)],
)
def test_a_query_estimated_over_the_budget_is_a_400_that_says_why(
    budgeted: TestClient, dialect: str, q: str, postings: int
) -> None:
    # The budget is 5 postings: four times that on SQLite's index (a posting costs tantivy a
    # quarter of what it cost FTS5), 5 × 3 = 15 on PostgreSQL (where it costs a third)
    budget = {"sqlite": 20, "postgresql": 15}[dialect]
    if dialect == "postgresql" and q.startswith('"'):
        # PostgreSQL reads the rarer word's 20 postings, then compares positions in the 20
        # releases holding both, four postings each: the phrase's 20 matches are fewer than the
        # 10,000 it counts up to, so it looks at every candidate
        postings = 20 + 4 * 20
    response = budgeted.get("/v1/search", params={"q": q})
    assert_problem(response, 400, "Bad Request", broad(postings, budget), "/v1/search")


def test_a_phrase_most_of_its_candidates_match_costs_postgresql_only_the_reads_to_its_cap(
    database_url: str, dialect: str, load: Ingest, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(1, 21):
        load({f"p{i:02}": seed_text("2025-01-01", f"Phrase {i}", "common alpha")})
    monkeypatch.setattr(PostgresSearch, "total_cap", 4)
    settings = Settings(database_url=database_url, search_budget=15, rank_window=3)
    with TestClient(create_app(settings)) as client:
        response = client.get("/v1/search", params={"q": '"common alpha"', "limit": 2})
    if dialect == "sqlite":
        # 4 × the rarer word's 20 postings, over 15 / 0.25
        assert_problem(response, 400, "Bad Request", broad(80, 60), "/v1/search")
        return
    # the rarer word's 20 postings, then positions compared in as many of the 20 candidates as
    # it takes to find 4 matches, every candidate being one: 20 + 4 × 4 = 36, within 15 × 3
    body = response.json()
    assert (response.status_code, body["total"], body["total_relation"]) == (200, 4, "gte")
    # the newest block of three, {18, 19, 20}, scored alike: ties by id
    assert [item["press_release"]["id"] for item in body["items"]] == [18, 19]


@pytest.mark.parametrize(("q", "total"), [("common", 20), ("rare", 2), ("title:budget", 20)])
def test_a_query_within_the_budget_is_answered(budgeted: TestClient, q: str, total: int) -> None:
    response = budgeted.get("/v1/search", params={"q": q})
    assert (response.status_code, response.json()["total"]) == (200, total)


def test_facets_over_too_many_matches_are_a_400_that_says_so(
    budgeted: TestClient, dialect: str
) -> None:
    # a match costs SQLite's index one read to facet, PostgreSQL six
    weight = {"sqlite": 1, "postgresql": 6}[dialect]
    response = budgeted.get("/v1/search", params={"q": "common", "facets": "year"})
    assert_problem(
        response,
        400,
        "Bad Request",
        "The query matches about 20 releases, too many to count facets for quickly (a search "
        f"may read about 20 postings, and facets read {weight} for each match). Leave out "
        "`facets`, or narrow the query with a rarer word, a date range or a filter.",
        "/v1/search",
    )
    within = budgeted.get("/v1/search", params={"q": "rare", "facets": "year"}).json()
    assert (within["total"], within["facets"]) == (2, {"year": [{"value": "2025", "count": 2}]})
