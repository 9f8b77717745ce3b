"""`/v1/search`: the grammar end to end, ranking, snippets, filters, facets and paging."""

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.search.postgres import PostgresSearch
from tests.fixtures.problems import assert_problem
from tests.fixtures.releases import SEED, Ingest, seed_text
from tests.search_corpus import CORPUS


@pytest.fixture
def corpus(load: Ingest) -> None:
    for external_id, (source, language, text) in CORPUS.items():
        load({external_id: text}, source=source, language=language)


def hits(client: TestClient, **params: Any) -> list[str]:
    response = client.get("/v1/search", params=params)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["total"] == len(body["items"])  # every case here fits on one page
    return [item["press_release"]["external_id"] for item in body["items"]]


# The one highlighter's snippet, on both engines: 24 words from three before the best match.
SEED_SNIPPET = (
    "…International Organizations in <mark>Almaty</mark>, where 18 UN agencies are already "
    "operating. President Tokayev stressed that Kazakhstan, as the largest economy in the "
    "region, is…"
)


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
    assert hit["snippet"] == SEED_SNIPPET


# Date order (newest first, ties by id descending) so the expectation is exact whatever the scores.
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("almaty", ["un-center", "almaty-forum", "water"]),
        ("ALMATY Forum", ["almaty-forum"]),
        ('"central asia"', ["almaty-forum", "water"]),
        ('"asia central"', []),
        ("almaty OR astana", ["un-center", "astana-visa", "almaty-forum", "water"]),
        ("(almaty OR astana) -visa", ["un-center", "almaty-forum", "water"]),
        ("(almaty forum) OR visa", ["astana-visa", "almaty-forum"]),
        ("press -visa", ["water"]),
        ('central -"press service"', ["almaty-forum"]),
        ("central -(press water)", ["astana-visa", "almaty-forum"]),
        ("kazakh*", ["un-center", "turkiye"]),
        ("centr*", ["un-center", "astana-visa", "almaty-forum", "water"]),
        ("title:almaty", ["un-center", "almaty-forum"]),
        ('title:"un center"', ["un-center"]),
        ("-title:almaty almaty", ["water"]),
        ("Turkiye", ["turkiye"]),
        ("TÜRKIYE", ["turkiye"]),
        ("Kazakhstan's", ["un-center", "turkiye"]),  # the possessive is stemmed away
        ("Kazakhstan", ["un-center", "turkiye"]),
        ("support", ["turkiye"]),
        ("discussed", ["almaty-forum", "water"]),
        ('"visa-free"', ["astana-visa"]),
        ("Астане", ["ru"]),
        ("астане", ["ru"]),
        ("Астана", ["ru"]),  # the lemma of Астане
        ("провёл", ["ru"]),
        ("Қазақстан", ["kk"]),
        ("қазақстан", ["kk"]),
        ("Казахстан", []),
        ("министрі", ["ru", "kk"]),  # Kazakh министр-і, and the Russian министр
        ("минист*", ["ru", "kk"]),
        ("Әріптестер", ["kk"]),
        ("nothing", []),
        ('NEAR("almaty" forum)', []),
        ("almaty AND forum", ["almaty-forum"]),  # AND is a word: "… trade and water"
        ("{title}: almaty", []),  # "title" is a word here, and no release has it
        ("almaty\x00", ["un-center", "almaty-forum", "water"]),
        # a control or format character is a space between words, never glue
        ("almaty\x00central", ["almaty-forum", "water"]),
        ("almaty\x01central", ["almaty-forum", "water"]),
        ("almaty\x7fcentral", ["almaty-forum", "water"]),
        ("almaty\u200bcentral", ["almaty-forum", "water"]),
        ("almaty central", ["almaty-forum", "water"]),
        ("^almaty", ["un-center", "almaty-forum", "water"]),
    ],
)
def test_query_finds_exactly(
    client: TestClient,
    corpus: None,
    dialect: str,
    q: str,
    expected: list[str] | dict[str, list[str]],
) -> None:
    wanted = expected[dialect] if isinstance(expected, dict) else expected
    assert hits(client, q=q, sort="newest") == wanted


def test_a_title_match_ranks_above_a_body_match(client: TestClient, corpus: None) -> None:
    body = client.get("/v1/search", params={"q": "water"}).json()
    assert [i["press_release"]["external_id"] for i in body["items"]] == ["water", "almaty-forum"]
    assert body["items"][0]["score"] > body["items"][1]["score"] > 0


def test_relevance_then_id_breaks_ties(client: TestClient, load: Ingest) -> None:
    load({f"r{i}": seed_text("2025-01-01", "Same", "Identical body.") for i in range(1, 4)})
    body = client.get("/v1/search", params={"q": "identical"}).json()
    assert [i["press_release"]["id"] for i in body["items"]] == [1, 2, 3]
    assert len({i["score"] for i in body["items"]}) == 1


@pytest.mark.parametrize(
    ("q", "detail"),
    [
        (
            "!!!",
            "The query '!!!' has no searchable word: it holds only punctuation or white space. "
            "Search for at least one word or number.",
        ),
        (
            "-visa",
            "The query '-visa' only excludes words: add at least one word to search for, e.g. "
            "`central asia -visa`.",
        ),
        (
            "almaty OR -visa",
            "The query 'almaty OR -visa' puts an excluded word in an OR: exclusions apply to the "
            "whole query; move it out of the OR.",
        ),
    ],
)
def test_a_query_that_cannot_mean_anything_is_a_400_problem(
    client: TestClient, q: str, detail: str
) -> None:
    response = client.get("/v1/search", params={"q": q})
    assert_problem(
        response,
        400,
        "Bad Request",
        detail,
        "/v1/search",
    )


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({}, "query.q"),
        ({"q": ""}, "query.q"),
        ({"q": "a" * 513}, "query.q"),
        ({"q": "a", "sort": "best"}, "query.sort"),
        ({"q": "a", "facets": "source,colour"}, "query.facets"),
    ],
    ids=["missing", "empty", "too-long", "bad-sort", "bad-facet"],
)
def test_invalid_parameters_are_422_problems(
    client: TestClient, params: dict[str, str], parameter: str
) -> None:
    response = client.get("/v1/search", params=params)
    assert response.status_code == 422
    assert [e["parameter"] for e in response.json()["errors"]] == [parameter]


def test_q_of_512_characters_is_accepted(client: TestClient) -> None:
    response = client.get("/v1/search", params={"q": "a" * 512})
    assert (response.status_code, response.json()["total"]) == (200, 0)


def test_snippets_escape_the_release_markup(client: TestClient, load: Ingest) -> None:
    load(
        {
            "m": seed_text(
                "2025-01-04", "Markup <b>", "Ministers & <script>alert(1)</script> agreed."
            )
        }
    )
    [hit] = client.get("/v1/search", params={"q": "agreed"}).json()["items"]
    assert hit["snippet"] == (
        "Ministers &amp; &lt;script&gt;alert(1)&lt;/script&gt; <mark>agreed</mark>."
    )
    # the text inside <script> is words like any other, on both engines
    [hit] = client.get("/v1/search", params={"q": "alert"}).json()["items"]
    assert hit["snippet"] == (
        "Ministers &amp; &lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt; agreed."
    )


def test_the_snippet_is_the_title_when_only_the_title_matched(
    client: TestClient, corpus: None
) -> None:
    [hit] = client.get("/v1/search", params={"q": "rules"}).json()["items"]
    assert hit["snippet"] == "New visa <mark>rules</mark> announced in Astana"


def test_the_snippet_is_a_window_around_the_match_in_a_1_mb_release(
    client: TestClient, load: Ingest
) -> None:
    filler = " ".join(["lorem ipsum dolor"] * 20_000)  # ~ 360 kB a paragraph
    body = [filler, filler + " needle in the middle " + filler, filler]
    text = seed_text("2025-01-01", "Big release", *body)
    assert len(text.encode()) > 1_000_000
    load({"big": text})
    [hit] = client.get("/v1/search", params={"q": "needle"}).json()["items"]
    assert "<mark>needle</mark> in the middle" in hit["snippet"]
    assert hit["snippet"].startswith("…")
    assert hit["snippet"].endswith("…")
    assert len(hit["snippet"].split()) < 30


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"from": "2025-01-01"}, ["un-center", "almaty-forum"]),
        ({"to": "2025-01-01"}, ["water"]),
        ({"source": "MFA"}, ["un-center", "almaty-forum"]),
        ({"source": ["MFA", "Akorda"]}, ["un-center", "almaty-forum"]),
        ({"language": "en", "from": "2025-03-07"}, ["un-center"]),
        ({"language": "ru"}, []),
    ],
)
def test_filters_narrow_the_search(
    client: TestClient, corpus: None, params: dict[str, Any], expected: list[str]
) -> None:
    assert hits(client, q="almaty", sort="newest", **params) == expected


def test_facets_count_the_whole_match_set_not_the_page(client: TestClient, corpus: None) -> None:
    body = client.get(
        "/v1/search",
        params={"q": "centr* OR минист*", "limit": 1, "facets": "source,language,year"},
    ).json()
    assert (body["total"], body["total_relation"], body["facets_relation"]) == (6, "eq", "eq")
    assert len(body["items"]) == 1
    assert body["facets"] == WHOLE_MATCH_SET_FACETS


WHOLE_MATCH_SET_FACETS = {
    "source": [{"value": "MFA", "count": 4}, {"value": "Akorda", "count": 1}],
    "language": [
        {"value": "en", "count": 4},
        {"value": "kk", "count": 1},
        {"value": "ru", "count": 1},
    ],
    "year": [
        {"value": "2025", "count": 3},
        {"value": "2024", "count": 2},
        {"value": "2023", "count": 1},
    ],
}


def test_facets_follow_the_filters(client: TestClient, corpus: None) -> None:
    body = client.get(
        "/v1/search", params={"q": "almaty", "source": "MFA", "facets": "year,source"}
    ).json()
    assert body["facets"] == {
        "year": [{"value": "2025", "count": 2}],
        "source": [{"value": "MFA", "count": 2}],
    }


def walk(client: TestClient, params: dict[str, Any], between: Any = None) -> list[int]:
    """The ids of every page, calling `between()` after the first page."""
    seen: list[int] = []
    cursor = None
    for _ in range(100):  # a walk that serves the same page again never ends: fail instead
        page = client.get("/v1/search", params=params | ({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.json()
        body = page.json()
        seen += [item["press_release"]["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
        assert page.headers["link"].endswith('>; rel="next"')
        if between is not None:
            between()
            between = None
    raise AssertionError(f"the walk did not end after 100 pages: {seen[:20]}…")


@pytest.mark.parametrize(
    ("sort", "order"),
    [("newest", [5, 4, 3, 2, 1]), ("oldest", [1, 2, 3, 4, 5]), ("relevance", [5, 4, 3, 2, 1])],
)
def test_cursor_walks_neither_repeat_nor_skip(
    client: TestClient, load: Ingest, sort: str, order: list[int]
) -> None:
    # the more often "common" occurs, the higher the release ranks: relevance order is 5..1
    load({f"r{i}": seed_text(f"2025-01-0{i}", f"Report {i}", "common " * i) for i in range(1, 6)})
    assert walk(client, {"q": "common", "limit": 2, "sort": sort}) == order


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
@pytest.mark.parametrize(
    ("title", "body"),
    [("Identical", "Identical body."), ("Afghanistan", "Afghanistan.")],
    ids=["score-0.4", "score-1.4"],
)
def test_a_walk_over_tied_scores_visits_every_match_once(
    client: TestClient, load: Ingest, sort: str, title: str, body: str
) -> None:
    # Every match has the same score and date: only the id orders them. PostgreSQL's ts_rank_cd is
    # a float4: 0.4 is 0.40000000596… and 1.4 is 1.39999997…, so a cursor that compared the score
    # as a double skipped the other ties (0.4) or served the same page forever (1.4).
    load({f"r{i}": seed_text("2025-01-01", f"{title} {i}", body) for i in range(1, 6)})
    expected = [5, 4, 3, 2, 1] if sort == "newest" else [1, 2, 3, 4, 5]
    for limit in (1, 2, 3):
        assert walk(client, {"q": title, "limit": limit, "sort": sort}) == expected


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_releases_inserted_between_pages_do_not_disturb_a_date_walk(
    client: TestClient, load: Ingest, sort: str
) -> None:
    load({f"r{i}": seed_text(f"2025-01-0{i}", f"Report {i}", "common") for i in range(1, 6)})

    def insert() -> None:
        load(
            {
                "early": seed_text("2024-01-01", "Early", "common"),
                "late": seed_text("2026-01-01", "Late", "common"),
            }
        )

    seen = walk(client, {"q": "common", "limit": 2, "sort": sort}, between=insert)
    # the release on the side already served is not shown; the one ahead is, once
    assert seen == ([5, 4, 3, 2, 1, 6] if sort == "newest" else [1, 2, 3, 4, 5, 7])


def test_a_search_cursor_is_bound_to_its_query(client: TestClient, corpus: None) -> None:
    cursor = client.get("/v1/search", params={"q": "almaty", "limit": 1}).json()["next_cursor"]
    response = client.get("/v1/search", params={"q": "forum", "cursor": cursor})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The cursor belongs to a different query")


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_pages_agree_whether_the_date_index_is_walked_or_not(
    client: TestClient, corpus: None, sort: str
) -> None:
    # limit 1 on 7 releases walks the date index (total² × 8 > (limit + 1) × archive); limit 20
    # looks every match up and sorts them
    walked = walk(client, {"q": "centr* OR минист* OR almaty", "limit": 1, "sort": sort})
    looked_up = walk(client, {"q": "centr* OR минист* OR almaty", "limit": 20, "sort": sort})
    assert walked == looked_up
    assert walked == ([7, 2, 1, 4, 5, 6] if sort == "newest" else [6, 5, 4, 1, 2, 7])


def _recrafted(cursor: str, change: Any) -> str:
    """The cursor with its JSON changed by `change` (owner kept: only the key is wrong)."""
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    change(raw)
    text = json.dumps(raw, separators=(",", ":"))  # NaN and huge ints written as Python does
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _set(index: int, value: object) -> Any:
    return lambda raw: raw["k"].__setitem__(index, value)


@pytest.mark.parametrize(
    ("params", "change"),
    [
        ({"sort": "relevance"}, _set(1, float("nan"))),
        ({"sort": "relevance"}, _set(1, float("inf"))),
        ({"sort": "relevance"}, _set(0, 2**64)),
        ({"sort": "relevance"}, _set(2, -(2**63) - 1)),
        ({"sort": "newest"}, _set(1, 2**63)),
        ({"sort": "newest"}, lambda raw: raw.pop("o")),
        ({"sort": "newest"}, lambda raw: raw.__setitem__("o", 7)),
    ],
    ids=[
        "nan-score",
        "infinite-score",
        "huge-block",
        "tiny-id",
        "huge-id",
        "no-owner",
        "int-owner",
    ],
)
def test_a_crafted_search_cursor_is_a_400_problem(
    client: TestClient, corpus: None, params: dict[str, str], change: Any
) -> None:
    first = client.get("/v1/search", params={"q": "almaty", "limit": 1, **params}).json()
    response = client.get(
        "/v1/search",
        params={"q": "almaty", **params, "cursor": _recrafted(first["next_cursor"], change)},
    )
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("The cursor is not one this API issued.")


def test_facets_over_the_cap_count_the_newest_matches_on_postgresql_every_match_on_sqlite(
    client: TestClient, corpus: None, *, dialect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PostgresSearch, "total_cap", 4)
    body = client.get(
        "/v1/search",
        params={"q": "centr* OR минист*", "limit": 1, "facets": "source,language,year"},
    ).json()
    if dialect == "sqlite":
        assert (body["facets_relation"], body["facets"]) == ("eq", WHOLE_MATCH_SET_FACETS)
        return
    # the four matches added last: un-center (MFA, en, 2025), water (no source, en, 2023),
    # kk (Akorda, kk, 2024), ru (MFA, ru, 2024); not astana-visa or almaty-forum
    assert (body["total"], body["total_relation"], body["facets_relation"]) == (4, "gte", "gte")
    assert body["facets"] == {
        "source": [{"value": "MFA", "count": 2}, {"value": "Akorda", "count": 1}],
        "language": [
            {"value": "en", "count": 2},
            {"value": "kk", "count": 1},
            {"value": "ru", "count": 1},
        ],
        "year": [
            {"value": "2024", "count": 2},
            {"value": "2023", "count": 1},
            {"value": "2025", "count": 1},
        ],
    }
    under = client.get("/v1/search", params={"q": "almaty", "facets": "year"}).json()
    assert (under["total"], under["facets_relation"], under["facets"]) == (
        3,
        "eq",
        {"year": [{"value": "2025", "count": 2}, {"value": "2023", "count": 1}]},
    )


def test_the_total_is_exact_below_the_cap_on_both_engines(client: TestClient, corpus: None) -> None:
    body = client.get("/v1/search", params={"q": "centr* OR минист*", "limit": 1}).json()
    assert (body["total"], body["total_relation"]) == (6, "eq")


@pytest.mark.parametrize(
    ("params", "postgres_total"),
    [
        ({"limit": 1}, (4, "gte")),  # PostgreSQL counts up to the cap
        ({"limit": 1, "sort": "newest"}, (4, "gte")),
        ({"limit": 10}, (6, "eq")),  # the page holds the whole match set
        ({"limit": 1, "facets": "year"}, (4, "gte")),  # the facets count up to the cap too
        ({"limit": 10, "facets": "year"}, (6, "eq")),
    ],
)
def test_a_total_over_the_cap_is_at_least_the_cap_on_postgresql_exact_on_sqlite(
    client: TestClient,
    corpus: None,
    *,
    dialect: str,
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, Any],
    postgres_total: tuple[int, str],
) -> None:
    monkeypatch.setattr(PostgresSearch, "total_cap", 4)
    body = client.get("/v1/search", params={"q": "centr* OR минист*", **params}).json()
    expected = postgres_total if dialect == "postgresql" else (6, "eq")
    assert (body["total"], body["total_relation"]) == expected
    assert len(body["items"]) == min(params["limit"], 6)
