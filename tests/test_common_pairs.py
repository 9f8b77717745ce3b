"""Phrases of common words (app/text/common.py): both engines find them by the pairs their
indexes hold, and answer the same; the work budget prices them by their pairs' releases."""

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.fixtures.releases import Ingest, seed_text

RELEASES = {
    "en-1": (
        "en",
        "A report on the talks",
        "The minister said this was the first visit. Was this the last one?",
    ),
    # punctuation parts no words: "was, this" stands together as much as "was this"
    "en-2": ("en", "Short meeting", "It was, this time, a short meeting."),
    "en-3": ("en", "Filed", "This report was filed on the day."),
    # the title ends with two common words and the body starts with one: no phrase runs across
    "en-4": ("en", "What it was", "This is the text of it."),
    "ru-1": ("ru", "Встреча министров", "Министр заявил, что в ходе встречи обсуждались вопросы."),
    "ru-2": ("ru", "Визит", "Делегация побывала в Астане и в Алматы."),
    "ru-3": ("ru", "Переговоры", "В переговорах участвовали и другие стороны."),
    "kk-1": ("kk", "Кездесу", "Бұл және басқа мәселелер туралы да айтылды."),
    "kk-2": ("kk", "Сапар", "Осы сапар туралы министр айтты және бұл маңызды."),
}


@pytest.fixture
def corpus(load: Ingest) -> None:
    for external_id, (language, title, body) in RELEASES.items():
        load({external_id: seed_text("2025-01-01", title, body)}, language=language)


def found(client: TestClient, q: str) -> list[str]:
    response = client.get("/v1/search", params={"q": q, "sort": "oldest"})
    assert response.status_code == 200, response.json()
    return sorted(item["press_release"]["external_id"] for item in response.json()["items"])


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"was this"', ["en-1", "en-2"]),
        ('"this was the"', ["en-1"]),
        ('"was this the last"', ["en-1"]),  # pairs, then a rarer word
        ('"the first"', ["en-1"]),
        ('"it was"', ["en-2", "en-4"]),  # en-4's in its title
        ('title:"it was"', ["en-4"]),
        ('"was this" -minister', ["en-2"]),
        ('"was this" OR "on the"', ["en-1", "en-2", "en-3"]),
        ('"was it"', []),
        ('"что в"', ["ru-1"]),
        ('"и в"', ["ru-2"]),
        ('"в и"', []),
        ('"бұл және"', ["kk-1"]),
        ('"туралы да"', ["kk-1"]),
        ('"және бұл"', ["kk-2"]),
    ],
)
def test_phrases_of_common_words_match_the_same_releases_on_both_engines(
    client: TestClient, corpus: None, q: str, expected: list[str]
) -> None:
    assert found(client, q) == expected


def twenty_served(
    database_url: str, load: Ingest, body: Callable[[int], str], budget: int
) -> Iterator[TestClient]:
    """Releases 1 to 20, each with the body `body(i)`, served with a budget of `budget`
    postings."""
    for i in range(1, 21):
        load({f"s{i:02}": seed_text("2025-01-01", f"Report {i}", body(i))})
    settings = Settings(database_url=database_url, search_budget=budget)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def seldom_together(database_url: str, load: Ingest) -> Iterator[TestClient]:
    """Twenty releases that all hold `was`, `this` and `filed`, two of them (7 and 15) as the
    phrase "was this filed", served with a budget of 15 postings."""
    seldom = {7: "Was this filed", 15: "Was this filed"}
    yield from twenty_served(
        database_url, load, lambda i: seldom.get(i, "This report was filed"), 15
    )


def test_a_phrase_of_common_words_that_seldom_stand_together_costs_its_pair(
    seldom_together: TestClient,
) -> None:
    # Each engine finds the 2 releases holding the pair `~was~this`, and compares positions in
    # those alone: PostgreSQL 2 + 4 × 2 postings, within 15 × 3; tantivy 4 × 2, within
    # 15 / 0.25. Without the pair, both compared them in all 20 releases holding the three
    # words: 20 + 4 × 20 and 4 × 20, refused.
    response = seldom_together.get("/v1/search", params={"q": '"was this filed"'})
    body = response.json()
    assert (response.status_code, body["total"], body["total_relation"]) == (200, 2, "eq")
    assert [item["press_release"]["id"] for item in body["items"]] == [7, 15]


@pytest.fixture
def always_together(database_url: str, load: Ingest) -> Iterator[TestClient]:
    """Twenty releases that all hold the phrase "was this filed", served with a budget of one
    posting."""
    yield from twenty_served(database_url, load, lambda i: "Was this filed", 1)


def test_a_phrase_of_just_two_common_words_is_answered_like_a_word(
    always_together: TestClient,
) -> None:
    # "was this" is its pair alone, a word of both indexes: never refused for its postings,
    # however many releases hold it; with a third word its positions are compared, refused.
    response = always_together.get("/v1/search", params={"q": '"was this"', "limit": 1})
    body = response.json()
    assert (response.status_code, body["total"], body["total_relation"]) == (200, 20, "eq")
    refused = always_together.get("/v1/search", params={"q": '"was this filed"'})
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("The query is too broad to answer quickly")


def test_a_phrase_of_two_common_words_ranks_by_how_often_its_pair_stands(
    client: TestClient, load: Ingest
) -> None:
    # the same length, the first loaded (the lower id, first of equal scores) once, the second
    # twice: the pair's count ranks them, on both engines
    load({"once": seed_text("2025-01-01", "Plan", "Was this the plan? Is it the time?")})
    load({"twice": seed_text("2025-01-01", "Plan", "Was this the plan? Was this the time?")})
    response = client.get("/v1/search", params={"q": '"was this"'})
    assert response.status_code == 200, response.json()
    ranked = [item["press_release"]["external_id"] for item in response.json()["items"]]
    assert ranked == ["twice", "once"]


def test_a_phrase_of_two_common_words_is_found_past_postgresqls_last_position(
    client: TestClient, load: Ingest
) -> None:
    # PostgreSQL's positions stop at 16,383: "was this" after 17,000 other words stands at
    # 16,383 twice, which positions alone could not tell apart from anything else there; its
    # pair finds it on both engines, as the index beside SQLite finds it by positions
    body = " ".join(["report"] * 17_000) + ". Was this filed?"
    load({"long": seed_text("2025-01-01", "A long release", body)})
    load({"short": seed_text("2025-01-02", "A short release", "This was filed.")})
    assert found(client, '"was this"') == ["long"]
    assert found(client, '"this was"') == ["short"]
