"""`/v1/search`: ranking, snippets, paging, and user text that never reaches FTS5 as syntax."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.errors import PROBLEM_JSON
from tests.conftest import SEED, Ingest, seed_text

CORPUS = {
    "a-body": seed_text("2025-01-01", "Regional cooperation", "Talks were held in Almaty today."),
    "b-title": seed_text("2025-01-02", "Almaty hosts a forum", "Delegates met to discuss trade."),
    "c-turkiye": seed_text("2025-01-03", "Visit to Türkiye", "The minister supports closer ties."),
    "d-markup": seed_text(
        "2025-01-04", "Markup <b>test</b>", "Ministers & <script>alert(1)</script> agreed."
    ),
    "e-cyrillic": seed_text(
        "2025-01-05", "Встреча в Астане", "Министр провёл переговоры в Астане."
    ),
}


def hit_ids(body: dict[str, Any]) -> list[str]:
    return [item["press_release"]["external_id"] for item in body["items"]]


def test_the_seed_is_found_with_a_marked_snippet(client: TestClient, load: Ingest) -> None:
    load({"000_58c17a29ac5caa8f": SEED.read_text()})
    response = client.get("/v1/search", params={"q": "Almaty"})
    assert response.status_code == 200
    body = response.json()
    assert (body["query"], body["total"], body["next_cursor"], body["facets"]) == (
        "Almaty",
        1,
        None,
        {},
    )
    [hit] = body["items"]
    assert hit["press_release"]["external_id"] == "000_58c17a29ac5caa8f"
    assert hit["press_release"]["url"] == "http://testserver/v1/press-releases/1"
    assert hit["snippet"].count("<mark>Almaty</mark>") == 1
    assert hit["score"] > 0


def test_a_title_match_ranks_above_a_body_match(client: TestClient, load: Ingest) -> None:
    load(CORPUS)
    body = client.get("/v1/search?q=almaty").json()
    assert hit_ids(body) == ["b-title", "a-body"]
    assert body["items"][0]["score"] > body["items"][1]["score"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ALMATY", ["b-title", "a-body"]),
        ("almaty forum", ["b-title"]),
        ("Turkiye", ["c-turkiye"]),  # diacritics folded
        ("support", ["c-turkiye"]),  # English stemming: supports
        ("астане", ["e-cyrillic"]),
        ("провёл", ["e-cyrillic"]),
        ("missing", []),
    ],
)
def test_words_are_matched_case_and_diacritic_insensitively(
    client: TestClient, load: Ingest, q: str, expected: list[str]
) -> None:
    load(CORPUS)
    body = client.get("/v1/search", params={"q": q}).json()
    assert (hit_ids(body), body["total"]) == (expected, len(expected))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"Almaty', ["b-title", "a-body"]),
        ("Almaty OR nothing", []),
        ("NEAR(almaty forum)", []),  # the phrase "near almaty", and "forum"
        ("title:almaty", []),
        ("almaty*", ["b-title", "a-body"]),
        ("-almaty", ["b-title", "a-body"]),
        ("almaty AND", []),
        ("^almaty", ["b-title", "a-body"]),
        ("{title}: almaty", []),
        ("almaty\x00", ["b-title", "a-body"]),
    ],
    ids=[
        "unbalanced-quote",
        "or-is-a-word",
        "near-is-a-word",
        "column-filter",
        "star",
        "minus",
        "and-is-a-word",
        "caret",
        "braces",
        "nul",
    ],
)
def test_fts5_syntax_in_user_text_is_plain_text(
    client: TestClient, load: Ingest, q: str, expected: list[str]
) -> None:
    load(CORPUS)
    response = client.get("/v1/search", params={"q": q})
    assert response.status_code == 200
    assert hit_ids(response.json()) == expected


@pytest.mark.parametrize("q", ["!!!", '" "', "- * ^", "   "])
def test_a_query_without_a_word_is_a_400_problem(client: TestClient, q: str) -> None:
    response = client.get("/v1/search", params={"q": q})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": f"The query {q!r} has no searchable word: it holds only punctuation or white "
        "space. Search for at least one word or number.",
        "instance": "/v1/search",
    }


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({}, "query.q"), ({"q": ""}, "query.q"), ({"q": "a" * 513}, "query.q")],
    ids=["missing", "empty", "too-long"],
)
def test_q_is_required_and_at_most_512_characters(
    client: TestClient, params: dict[str, str], parameter: str
) -> None:
    response = client.get("/v1/search", params=params)
    assert response.status_code == 422
    assert [e["parameter"] for e in response.json()["errors"]] == [parameter]


def test_q_of_512_characters_is_accepted(client: TestClient) -> None:
    assert client.get("/v1/search", params={"q": "a" * 512}).status_code == 200


def test_the_release_markup_is_escaped_in_snippets(client: TestClient, load: Ingest) -> None:
    load(CORPUS)
    [hit] = client.get("/v1/search?q=script").json()["items"]
    assert hit["snippet"] == (
        "Ministers &amp; &lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; agreed."
    )


def test_search_pages_by_cursor_in_every_sort(client: TestClient, load: Ingest) -> None:
    load({f"r{i}": seed_text(f"2025-01-0{i}", f"Report {i}", "Common word.") for i in range(1, 6)})
    for sort, order in [("newest", [5, 4, 3, 2, 1]), ("oldest", [1, 2, 3, 4, 5])]:
        seen, cursor = [], None
        while True:
            params: dict[str, Any] = {"q": "common", "limit": 2, "sort": sort}
            if cursor:
                params["cursor"] = cursor
            body = client.get("/v1/search", params=params).json()
            assert body["total"] == 5
            seen += [item["press_release"]["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == order
    relevance = client.get("/v1/search?q=common&limit=2").json()
    rest = client.get(f"/v1/search?q=common&limit=10&cursor={relevance['next_cursor']}").json()
    all_ids = [i["press_release"]["id"] for i in relevance["items"] + rest["items"]]
    assert sorted(all_ids) == [1, 2, 3, 4, 5]


def test_a_search_cursor_is_bound_to_its_query(client: TestClient, load: Ingest) -> None:
    load(CORPUS)
    cursor = client.get("/v1/search?q=almaty&limit=1").json()["next_cursor"]
    response = client.get("/v1/search", params={"q": "forum", "cursor": cursor})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The cursor belongs to a different query")


def test_search_filters(client: TestClient, load: Ingest) -> None:
    load(CORPUS)
    body = client.get("/v1/search?q=almaty&from=2025-01-02").json()
    assert (hit_ids(body), body["total"]) == (["b-title"], 1)
