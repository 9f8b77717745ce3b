"""Links between releases, on both engines: translations stated by the input and found at ingest
(measured on a labelled set), near-duplicates, `collapse=duplicates`, and what a purge or a
correction does to them."""

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.ingest.command import Report, ingest
from app.ingest.lifecycle import change_state
from app.text.shingles import bands, words
from tests.fixtures.lifecycle import jsonl_writer, line
from tests.fixtures.problems import assert_problem

FIXTURES = Path(__file__).parent / "fixtures"
TRANSLATION_SET = FIXTURES / "translation_set.jsonl"
LABELS = json.loads((FIXTURES / "translation_labels.json").read_text())["groups"]

# A long body of words only this story holds, so that only its own reposts resemble it.
STORY = [
    "The energy forum opened in Aktau with delegates from twelve countries and forty companies.",
    "Ministers discussed the Caspian pipeline, the new port terminal and the wind farms planned "
    "along the coast for the coming decade, with financing from three development banks.",
    "Contracts for the desalination plant and the railway spur were signed on the first day, "
    "and the organisers expect another dozen agreements before the forum closes on Friday.",
    "The next forum will be held in Atyrau, where the regional government hopes to present its "
    "hydrogen strategy and the results of the offshore survey completed this summer.",
]
ELSEWHERE = [
    "The wheat harvest in the northern regions reached a record seventeen million tonnes this "
    "year, as farmers in Kostanay and Akmola reported yields well above the average.",
    "Grain exports through the ports of the Black Sea and the Baltic are expected to grow, and "
    "the ministry has asked the railways for more hopper wagons before the winter.",
    "Storage capacity was expanded by a fifth, and the elevators of the north now hold enough "
    "grain to supply the mills of the south until the next harvest comes in.",
]


def _pairs(rows: list[tuple[str, str]]) -> set[frozenset[str]]:
    return {frozenset(pair) for pair in rows}


def _links(engine: Engine, kind: str) -> set[frozenset[str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT a.external_id, b.external_id FROM press_release_link AS l "
                "JOIN press_release AS a ON a.id = l.release_id "
                "JOIN press_release AS b ON b.id = l.other_id WHERE l.kind = :kind"
            ),
            {"kind": kind},
        ).all()
    found = _pairs([(a, b) for a, b in rows])
    assert len(rows) == 2 * len(found)  # one row each way
    return found


def _bands(engine: Engine, external_id: str) -> list[int]:
    """The band keys stored for the release, in order."""
    with engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT b.band FROM press_release_band AS b JOIN press_release AS r "
                "ON r.id = b.release_id WHERE r.external_id = :id ORDER BY b.band"
            ),
            {"id": external_id},
        )
        return list(found.scalars())


def _loader(engine: Engine, tmp_path: Path) -> Callable[..., Report]:
    """Ingest JSON Lines lines, each call a run of its own."""
    write = jsonl_writer(tmp_path)

    def load(*lines: str) -> Report:
        return ingest(engine, [write(*lines)])

    return load


def _listed(client: TestClient) -> list[dict[str, Any]]:
    """Every release the list shows, page by page."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = client.get("/v1/press-releases", params=params).json()
        found += page["items"]
        if page["next_cursor"] is None:
            return found
        params["cursor"] = page["next_cursor"]


def _detail(client: TestClient, external_id: str) -> dict[str, Any]:
    for summary in _listed(client):
        if summary["external_id"] == external_id:
            found: dict[str, Any] = client.get(f"/v1/press-releases/{summary['id']}").json()
            return found
    raise AssertionError(f"{external_id} is not listed")


def _ids(summaries: list[dict[str, Any]]) -> list[str]:
    return [summary["external_id"] for summary in summaries]


def test_translations_found_on_the_labelled_set(engine: Engine) -> None:
    """Precision first: not one invented link; recall as measured (bench/RESULTS.md)."""
    report = ingest(engine, [TRANSLATION_SET])
    assert (report.added, report.rejections) == (126, [])
    truth = {frozenset(pair) for group in LABELS for pair in itertools.combinations(group, 2)}
    found = _links(engine, "translation")
    assert len(truth) == 78
    assert found - truth == set()  # precision 1.0
    assert len(found & truth) == 71  # recall 71 / 78 = 0.91
    assert truth - found == _pairs(
        [
            ("ts-013", "ts-069"),
            ("ts-013", "ts-117"),
            ("ts-069", "ts-117"),
            ("ts-014", "ts-060"),
            ("ts-049", "ts-071"),
            ("ts-049", "ts-097"),
            ("ts-071", "ts-097"),
        ]
    )
    assert _links(engine, "duplicate") == set()  # a translation is never a duplicate


def test_the_detail_lists_the_translations_by_language(engine: Engine, client: TestClient) -> None:
    ingest(engine, [TRANSLATION_SET])
    detail = _detail(client, "ts-032")
    assert _ids(detail["translations"]) == ["ts-094", "ts-076"]  # kk, ru
    assert [t["language"] for t in detail["translations"]] == ["kk", "ru"]
    assert detail["duplicates"] == []
    # each a summary, as the list shows it
    by_id = {summary["id"]: summary for summary in _listed(client)}
    assert detail["translations"] == [by_id[t["id"]] for t in detail["translations"]]


def test_stated_translations_link_across_runs_and_transitively(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    load = _loader(engine, tmp_path)
    # the English and Russian versions name the Kazakh one, which comes in a later run
    load(
        line("visa-en", "Visa rules", "New visa rules apply.", translation_of="visa-kk"),
        line("visa-ru", "Визы", "Новые правила.", language="ru", translation_of="visa-kk"),
    )
    assert _links(engine, "translation") == set()
    load(line("visa-kk", "Виза", "Жаңа ережелер.", language="kk"))
    assert _links(engine, "translation") == _pairs(
        [("visa-en", "visa-kk"), ("visa-ru", "visa-kk"), ("visa-en", "visa-ru")]
    )
    assert _ids(_detail(client, "visa-en")["translations"]) == ["visa-kk", "visa-ru"]
    with engine.connect() as connection:
        stated = connection.execute(
            text("SELECT count(*) FROM press_release_link WHERE stated")
        ).scalar()
    assert stated == 4  # the two statements, each way; the link they imply was found


def test_a_withdrawn_translation_leaves_the_detail_and_comes_back_restored(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    load = _loader(engine, tmp_path)
    load(
        line("a-en", "Visa rules", "New visa rules apply."),
        line("a-ru", "Визы", "Новые правила.", language="ru", translation_of="a-en"),
    )
    assert _ids(_detail(client, "a-en")["translations"]) == ["a-ru"]
    assert change_state(engine, "withdraw", ["a-ru"], reason="wrong text").exit_status == 0
    assert _detail(client, "a-en")["translations"] == []
    assert change_state(engine, "restore", ["a-ru"]).exit_status == 0
    assert _ids(_detail(client, "a-en")["translations"]) == ["a-ru"]


def _story(external_id: str, title: str, paragraphs: list[str], day: str, **more: Any) -> str:
    return line(external_id, title, "\n\n".join(paragraphs), day=day, source="Wire", **more)


def test_near_duplicates_are_grouped_and_translations_and_other_texts_are_not(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    load = _loader(engine, tmp_path)
    report = load(
        _story("original", "Energy forum opens in Aktau", STORY, "2026-03-02"),
        _story("headline", "Aktau hosts the Caspian energy forum", STORY, "2026-03-03"),
        _story("shorter", "Energy forum in Aktau", STORY[:3], "2026-03-03"),
        _story("credited", "Forum", [*STORY, "Photo: the forum's press service."], "2026-03-04"),
        _story("harvest", "Record harvest", ELSEWHERE, "2026-03-02"),
        _story("half", "Forum and harvest", STORY[:2] + ELSEWHERE[:2], "2026-03-05"),
        _story("russian", "Форум", STORY, "2026-03-02", language="ru"),
    )
    assert report.rejections == []
    group = ["original", "headline", "shorter", "credited"]
    assert _links(engine, "duplicate") == _pairs(list(itertools.combinations(group, 2)))
    detail = _detail(client, "headline")
    assert _ids(detail["duplicates"]) == ["original", "shorter", "credited"]  # oldest first
    assert _detail(client, "half")["duplicates"] == []
    assert _detail(client, "russian")["duplicates"] == []  # another language


def test_collapse_keeps_the_earliest_of_each_group_of_duplicates(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    load = _loader(engine, tmp_path)
    load(
        _story("later", "Aktau hosts the Caspian energy forum", STORY, "2026-03-03"),
        _story("original", "Energy forum opens in Aktau", STORY, "2026-03-02"),
        _story("credited", "Forum", [*STORY, "Photo: press service."], "2026-03-04"),
        _story("harvest", "Record harvest at the forum", ELSEWHERE, "2026-03-02"),
    )

    def found(**params: str) -> tuple[int, list[str]]:
        page = client.get("/v1/search", params={"q": "forum"} | params).json()
        return page["total"], [hit["press_release"]["external_id"] for hit in page["items"]]

    assert found(sort="oldest") == (4, ["original", "harvest", "later", "credited"])
    assert found(sort="oldest", collapse="duplicates") == (2, ["original", "harvest"])
    assert sorted(found(collapse="duplicates")[1]) == ["harvest", "original"]
    faceted = client.get(
        "/v1/search", params={"q": "forum", "collapse": "duplicates", "facets": "source"}
    ).json()
    assert faceted["facets"] == {"source": [{"value": "Wire", "count": 2}]}
    # the earliest withdrawn, the next earliest stands for the group
    assert change_state(engine, "withdraw", ["original"], reason="wrong").exit_status == 0
    assert found(sort="oldest", collapse="duplicates") == (2, ["harvest", "later"])
    bad = client.get("/v1/search", params={"q": "forum", "collapse": "translations"})
    assert (bad.status_code, bad.json()["errors"]) == (
        422,
        [{"parameter": "query.collapse", "message": "Input should be 'duplicates'"}],
    )


def test_a_collapsed_cursor_belongs_to_the_collapsed_search(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    load = _loader(engine, tmp_path)
    lines = [
        _story(
            f"r{i}", f"Forum {i}", [f"Forum story number {i} of its own."], f"2026-03-{i + 1:02d}"
        )
        for i in range(3)
    ]
    load(*lines)
    collapsed: dict[str, str | int] = {
        "q": "forum",
        "limit": 1,
        "collapse": "duplicates",
        "sort": "oldest",
    }
    cursor = client.get("/v1/search", params=collapsed).json()["next_cursor"]
    following = client.get("/v1/search", params=collapsed | {"cursor": cursor}).json()
    assert [hit["press_release"]["external_id"] for hit in following["items"]] == ["r1"]
    uncollapsed = {"q": "forum", "limit": 1, "sort": "oldest", "cursor": cursor}
    other = client.get("/v1/search", params=uncollapsed)
    assert_problem(
        other,
        400,
        "Bad Request",
        "The cursor belongs to a different query, sort or filter set. Repeat the request that "
        "returned it with the same parameters, or leave cursor out to start again.",
        "/v1/search",
    )


def test_a_correction_links_again_and_a_purge_erases_the_links(
    engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    load = _loader(engine, tmp_path)
    load(
        _story("original", "Energy forum opens", STORY, "2026-03-02"),
        _story("repost", "Aktau forum", STORY, "2026-03-03"),
    )
    assert _links(engine, "duplicate") == _pairs([("original", "repost")])
    story_bands = sorted(bands([words("\n\n".join(STORY))])[0])
    assert _bands(engine, "repost") == story_bands
    # corrected into another story: no longer a duplicate, and its old bands gone
    load(_story("repost", "Harvest", ELSEWHERE, "2026-03-03"))
    assert _links(engine, "duplicate") == set()
    assert _bands(engine, "repost") == sorted(bands([words("\n\n".join(ELSEWHERE))])[0])
    # corrected back: linked again
    load(_story("repost", "Aktau forum", STORY, "2026-03-03"))
    assert _links(engine, "duplicate") == _pairs([("original", "repost")])
    assert _bands(engine, "repost") == story_bands
    assert change_state(engine, "purge", ["repost"]).exit_status == 0
    assert _links(engine, "duplicate") == set()
    assert _bands(engine, "repost") == []
    assert _bands(engine, "original") == story_bands
    assert _detail(client, "original")["duplicates"] == []


@pytest.mark.parametrize("number", [1, 2])
def test_a_version_shows_the_links_as_they_are_now(
    engine: Engine, client: TestClient, tmp_path: Path, number: int
) -> None:
    load = _loader(engine, tmp_path)
    load(line("a-en", "Visa rules", "New visa rules apply."))
    load(
        line("a-en", "Visa rules", "New visa rules apply from May."),
        line("a-ru", "Визы", "Новые правила.", language="ru", translation_of="a-en"),
    )
    release = _detail(client, "a-en")
    version = client.get(f"/v1/press-releases/{release['id']}/versions/{number}").json()
    assert _ids(version["translations"]) == ["a-ru"]
    assert version["duplicates"] == []
