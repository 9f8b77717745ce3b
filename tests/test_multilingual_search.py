"""Search in Russian, Kazakh and English finds a word in its other grammatical forms, with the
same answers on both engines (every case runs on SQLite and on PostgreSQL with one expectation),
and marks the words as the release wrote them."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.releases import Ingest
from tests.multilingual_corpus import RELEASES


@pytest.fixture
def corpus(load: Ingest) -> None:
    for external_id, (language, text) in RELEASES.items():
        load({external_id: text}, language=language)


def found(client: TestClient, **params: Any) -> list[str]:
    response = client.get("/v1/search", params={"sort": "oldest", **params})
    assert response.status_code == 200, response.json()
    return [item["press_release"]["external_id"] for item in response.json()["items"]]


# Oldest first, so the expectation is exact whatever the scores.
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # Russian: case and number
        ("Казахстан", ["ru-water", "ru-embassy"]),
        ("Казахстаном", ["ru-water", "ru-embassy"]),
        ("казахстане", ["ru-water", "ru-embassy"]),
        ("Узбекистане", ["ru-water"]),
        ("Афганистана", ["ru-water"]),
        ("Токаев", ["ru-president"]),
        ("Токаевым", ["ru-president"]),
        ("делегации", ["ru-president", "kk-talks"]),  # and Kazakh делегациялармен
        ("Астана", ["ru-president", "kk-talks"]),  # в Астане, Астанада
        ("инвестиция", ["ru-embassy"]),
        ("соглашение", ["ru-embassy"]),
        ("посол", ["ru-embassy"]),
        ("провел", ["ru-water", "ru-embassy"]),  # ё = е
        ("провести", ["ru-water", "ru-embassy"]),
        ("Алматы", ["ru-president", "kk-centre"]),  # and Kazakh Алматыдағы, Алматыда
        # Kazakh: case, possessive, plural, the attributive -дағы
        ("Қазақстан", ["kk-trade"]),
        ("Қазақстанға", ["kk-trade"]),
        ("Ауғанстан", ["kk-trade", "kk-centre"]),
        ("Ауғанстанның", ["kk-trade", "kk-centre"]),
        ("орталық", ["kk-centre"]),
        ("орталығында", ["kk-centre"]),
        ("келіссөз", ["kk-talks"]),
        ("елдер", ["kk-talks"]),
        ("астам", ["kk-talks"]),  # "more than": never a form of Астана
        ("Тоқаев", ["kk-talks"]),  # қ is not к: not the Russian spelling
        # English: stems, diacritics, the possessive
        ("resolution", ["en-resolution"]),
        ("supporting", ["en-resolution"]),
        ("Turkiye", ["en-resolution"]),
        ("minister", ["en-water"]),
        ("Kazakhstan's", ["en-resolution", "en-water"]),
        # phrases: one word per position, each in any of its forms
        ('"иностранные дела"', ["ru-water"]),
        ('"министры иностранных дел"', ["ru-water"]),
        ('"Сыртқы істер министрі"', ["kk-trade"]),
        ('"орталық азия"', ["kk-centre"]),
        ('"central asians"', ["en-water"]),  # Central Asian ("asia" is another stem)
        ('"asia central"', []),
        # prefixes match the indexed forms by their folded start
        ("Казахстан*", ["ru-water", "ru-embassy"]),
        ("қазақ*", ["kk-trade"]),
        ("ауған*", ["kk-trade", "kk-centre"]),
        # the grammar keeps working
        ("title:Токаева", ["ru-president"]),
        ("title:орталық", ["kk-centre"]),
        ("Ауғанстан -орталығы", ["kk-trade"]),
        ("Казахстана -посольство", ["ru-water"]),
        ("Узбекистана OR Ауғанстанға", ["ru-water", "kk-trade", "kk-centre"]),
    ],
)
def test_a_word_finds_its_other_forms(
    client: TestClient, corpus: None, q: str, expected: list[str]
) -> None:
    assert found(client, q=q) == expected


@pytest.mark.parametrize(
    ("q", "external_id", "snippet"),
    [
        (
            "Казахстан",
            "ru-water",
            "Министр иностранных дел <mark>Казахстана</mark> провёл переговоры с коллегой из "
            "Узбекистана. Стороны обсудили сотрудничество в сфере водных ресурсов и транзита "
            "через Афганистан.",
        ),
        (
            "Ауғанстан",
            "kk-trade",
            "Қазақстанның Сыртқы істер министрі <mark>Ауғанстанға</mark> сапармен барды. "
            "Тараптар <mark>Ауғанстанның</mark> экономикасын қолдау мәселелерін талқылады.",
        ),
        (
            '"иностранные дела"',
            "ru-water",
            "Министр <mark>иностранных дел</mark> Казахстана провёл переговоры с коллегой из "
            "Узбекистана. Стороны обсудили сотрудничество в сфере водных ресурсов и транзита "
            "через Афганистан.",
        ),
        (
            "Turkiye support*",
            "en-resolution",
            "…Assembly. Delegates from <mark>Türkiye</mark> and Uzbekistan "
            "<mark>supported</mark> the initiative.",
        ),
        (
            "Токаева",
            "ru-president",
            "Касым-Жомарт <mark>Токаев</mark> встретился с делегацией Организации Объединённых "
            "Наций в Астане. Президенту <mark>Токаеву</mark> доложили о работе центра ООН в "
            "Алматы.",
        ),
        # a title-only term: the title, marked as written
        ("title:Токаеву", "ru-president", "Президент <mark>Токаев</mark> принял делегацию ООН"),
    ],
)
def test_the_snippet_marks_the_words_as_the_release_wrote_them(
    client: TestClient, corpus: None, q: str, external_id: str, snippet: str
) -> None:
    response = client.get("/v1/search", params={"q": q})
    snippets = {
        item["press_release"]["external_id"]: item["snippet"] for item in response.json()["items"]
    }
    assert snippets[external_id] == snippet
