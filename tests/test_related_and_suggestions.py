"""`/v1/press-releases/{key}/related` and the search's `suggestion`, on both engines with the same
expected answers."""

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.db import create_db_engine, database_file
from app.ingest.command import ingest
from app.ingest.lifecycle import change_state
from app.reads import Snapshot
from app.search import BACKENDS, side_index
from app.search.budget import SAMPLE
from app.search.related import HOLDERS
from app.text.analyser import terms
from app.totals import Totals
from tests.fixtures.lifecycle import jsonl_writer, line
from tests.fixtures.problems import assert_problem

# Three stories of three releases each, every story with words of its own, and a few words all
# of them share (the ministry, the year).
STORIES = {
    "wind": [
        "The wind farm on the Caspian coast added forty turbines and two hundred megawatts.",
        "Turbines for the second wind farm arrived at the port; the megawatts go to the grid.",
        "The grid operator connected the Caspian wind farm: turbines now feed the coast.",
    ],
    "grain": [
        "The wheat harvest filled the elevators of Kostanay with seventeen million tonnes.",
        "Elevators in the north hold the wheat until the harvest is shipped by hopper wagons.",
        "Hopper wagons carried the harvest from the elevators to the mills: tonnes of wheat.",
    ],
    "visa": [
        "The consulate issues electronic visas to passport holders within three days.",
        "Passport holders apply for the electronic visa online; the consulate answers by mail.",
        "The consulate extended the visa-free stay for passport holders to thirty days.",
    ],
}
SHARED = "The ministry reported it in the year's review."
# wind-1 at length: long enough for its repost to be told a duplicate (app/text/shingles.py)
WIND_1 = " ".join(
    [STORIES["wind"][0], *(f"Turbine row {n} stands on the dunes of the coast." for n in range(9))]
)


def _story_lines() -> list[str]:
    lines = []
    for story, texts in STORIES.items():
        for n, body in enumerate(texts, start=1):
            text = WIND_1 if (story, n) == ("wind", 1) else body
            day = f"2026-0{n}-1{len(story)}"
            lines.append(line(f"{story}-{n}", f"{story.title()} news {n}", f"{text} {SHARED}", day))
    return lines


@pytest.fixture
def stories(engine: Engine, tmp_path: Path) -> dict[str, int]:
    """The stories ingested, with a repost of wind-1 and its stated Russian version; the id of
    each release by external id."""
    write = jsonl_writer(tmp_path)
    lines = [
        *_story_lines(),
        line("wind-1-repost", "Coast wind farm grows", f"{WIND_1} {SHARED}", "2026-01-15"),
        line(
            "wind-1-ru",
            "Ветряная электростанция",
            "Ветряная электростанция на побережье Каспия: сорок турбин и двести мегаватт.",
            "2026-01-14",
            language="ru",
            translation_of="wind-1",
        ),
    ]
    report = ingest(engine, [write(*lines)])
    assert report.rejections == []
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT external_id, id FROM press_release")).all()
    return {row.external_id: row.id for row in rows}


def _related(client: TestClient, release_id: int, **params: Any) -> list[int]:
    response = client.get(f"/v1/press-releases/{release_id}/related", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_related_releases_are_those_of_the_same_story(
    client: TestClient, stories: dict[str, int]
) -> None:
    for story in ("grain", "visa"):
        first, *others = (stories[f"{story}-{n}"] for n in (1, 2, 3))
        assert set(_related(client, first, limit=2)) == set(others)


def test_related_never_lists_the_release_its_translations_or_duplicates(
    client: TestClient, stories: dict[str, int]
) -> None:
    detail = client.get(f"/v1/press-releases/{stories['wind-1']}").json()
    assert [d["external_id"] for d in detail["duplicates"]] == ["wind-1-repost"]
    assert [t["external_id"] for t in detail["translations"]] == ["wind-1-ru"]
    found = _related(client, stories["wind-1"], limit=50)
    assert not {stories["wind-1"], stories["wind-1-repost"], stories["wind-1-ru"]} & set(found)
    assert set(found[:2]) == {stories["wind-2"], stories["wind-3"]}


def test_related_answers_summaries_and_bounds_its_limit(
    client: TestClient, stories: dict[str, int]
) -> None:
    response = client.get(f"/v1/press-releases/{stories['visa-1']}/related", params={"limit": 1})
    items = response.json()["items"]
    listed = client.get("/v1/press-releases", params={"limit": 100}).json()["items"]
    assert items == [s for s in listed if s["id"] == items[0]["id"]]
    for limit, message in ((0, "greater than or equal to 1"), (51, "less than or equal to 50")):
        bad = client.get(f"/v1/press-releases/{stories['visa-1']}/related", params={"limit": limit})
        assert (bad.status_code, bad.json()["errors"]) == (
            422,
            [{"parameter": "query.limit", "message": f"Input should be {message}"}],
        )
    assert_problem(
        client.get("/v1/press-releases/999999/related"),
        404,
        "Not Found",
        "No press release has the id or slug '999999'.",
        "/v1/press-releases/999999/related",
    )


def test_related_of_a_withdrawn_release_is_gone(
    engine: Engine, client: TestClient, stories: dict[str, int]
) -> None:
    assert change_state(engine, "withdraw", ["grain-2"], reason="error").exit_status == 0
    release = stories["grain-2"]
    response = client.get(f"/v1/press-releases/{release}/related")
    problem = response.json()
    assert response.status_code == 410
    assert problem.pop("withdrawn_at").endswith("Z")
    assert problem == {
        "type": "about:blank",
        "title": "Gone",
        "status": 410,
        "detail": f"The press release '{release}' was withdrawn: error",
        "instance": f"/v1/press-releases/{release}/related",
        "reason": "error",
    }
    # and it is no longer anyone's related release
    assert stories["grain-2"] not in _related(client, stories["grain-1"], limit=50)


# "Did you mean": a small archive in three languages.
SPELLED = [
    line("en-1", "Forum in Almaty", "Delegates met in Almaty for the energy forum.", "2026-02-01"),
    line("en-2", "Almaty transport", "The Almaty metro opens two stations.", "2026-02-02"),
    line("en-3", "Astana talks", "Energy ministers met in Astana.", "2026-02-03"),
    line(
        "ru-1",
        "Визит",
        "Делегация Казахстана посетила выставку. Казахстан подписал соглашение.",
        "2026-02-01",
        language="ru",
    ),
    line(
        "kk-1",
        "Сапар",
        "Қазақстан делегациясы көрмеге барды. Қазақстан келісімге қол қойды.",
        "2026-02-01",
        language="kk",
    ),
    line("kk-2", "Форум", "Қазақстан форумы Алматыда өтті.", "2026-02-02", language="kk"),
]


@pytest.fixture
def spelled(engine: Engine, tmp_path: Path) -> None:
    assert ingest(engine, [jsonl_writer(tmp_path)(*SPELLED)]).rejections == []


def _suggestion(client: TestClient, **params: str) -> tuple[int, str | None]:
    page = client.get("/v1/search", params=params).json()
    return page["total"], page["suggestion"]


@pytest.mark.usefixtures("spelled")
@pytest.mark.parametrize(
    ("q", "suggestion"),
    [
        ("Almatty", "almaty"),  # a letter too many, through the English stem
        ("Almaty", None),  # found: nothing to suggest
        ("Almatty Energy", "almaty Energy"),  # the other words as typed
        ('"in Almatty"', '"in almaty"'),  # a phrase
        ("Astanna", "astana"),
        ("Казакстан", "қазақстан"),  # two letters written plain; the Kazakh spelling is commoner
        ("Казахстн", "казахстан"),  # a letter left out
        ("Қазақтан", "қазақстан"),
        ("zzyzx", None),  # nothing close
    ],
)
def test_did_you_mean(client: TestClient, q: str, suggestion: str | None) -> None:
    assert _suggestion(client, q=q)[1] == suggestion


@pytest.mark.usefixtures("spelled")
def test_a_suggestion_must_find_more_with_the_same_filters(client: TestClient) -> None:
    assert _suggestion(client, q="Almatty", language="en") == (0, "almaty")
    assert _suggestion(client, q="Almatty", language="ru") == (0, None)
    # an excluded word is not corrected
    assert _suggestion(client, q="energy -Almatty") == (2, None)


# An archive past the search budget's sample (app/search/budget.py: its 2,000 newest releases),
# with words placed where PostgreSQL's holders read looks first among the newest ids (the
# window a word's share of the sample predicts) and where it must look again in the whole
# archive. The newest `n` holders are the same on both engines whichever way they were read.
ARCHIVE_SIZE = 2600
PLACED = {
    "beta": range(1000, 1700),  # 700 in the sample, but none among the newest 900: looked again
    "gamma": range(3, ARCHIVE_SIZE + 1, 3),  # a third of the sample: found in the window
    "delta": range(1, 300),  # none in the sample: the whole archive read
    "epsilon": range(50, ARCHIVE_SIZE + 1, 50),  # 52 in all, expected few: read whole
}


@pytest.fixture
def placed(engine: Engine, tmp_path: Path) -> dict[int, int]:
    """The archive ingested; each release's id by its number."""
    lines = [
        line(
            f"r{i}",
            f"Release {i}",
            " ".join(["Weekly notice", *(word for word, at in PLACED.items() if i in at)]),
        )
        for i in range(1, ARCHIVE_SIZE + 1)
    ]
    assert ingest(engine, [jsonl_writer(tmp_path)(*lines)]).rejections == []
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT external_id, id FROM press_release")).all()
    return {int(row.external_id[1:]): row.id for row in rows}


def test_newest_holders_are_the_same_however_an_engine_reads_them(
    placed: dict[int, int], database_url: str
) -> None:
    reader = create_db_engine(database_url, read_only=True)
    pooled = reader.raw_connection()
    try:
        beside = (
            None if reader.dialect.name != "sqlite" else side_index.location(database_file(reader))
        )
        snapshot = Snapshot(pooled.dbapi_connection, reader.dialect, Totals(), beside)
        index = BACKENDS[reader.dialect.name].related_index(snapshot)
        words = [terms(word, "en")[0] for word in PLACED]
        since = index.archive_size() - SAMPLE
        counts = index.counts(words, since)
        found = index.holders([(word, counts[word]) for word in words], HOLDERS)
    finally:
        pooled.close()
        reader.dispose()
    assert [counts[word] for word in words] == [700, 666, 0, 40]
    newest = [sorted(at, reverse=True)[:HOLDERS] for at in PLACED.values()]
    assert found == [[placed[i] for i in ids] for ids in newest]
