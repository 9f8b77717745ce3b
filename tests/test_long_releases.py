"""Long releases (app/search/passages.py): their snippets come from one passage, cut as a short
release's snippet is, and their passages follow every change of the release."""

from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.ingest.lifecycle import change_state
from app.schema_version import alembic_config
from app.search.passages import LONG_BODY_CHARS, PASSAGE_CHARS, passage_rows, passages
from tests.fixtures.releases import Ingest, seed_text


def filler(n: int) -> str:
    return f"Paragraph {n} on <b>trade</b> & transit talks between the delegations, " * 8


def long_body(marker_at: int, marker: str = "The zanzibarian delegation signed it.") -> list[str]:
    paragraphs = [filler(n) for n in range(40)]
    paragraphs.insert(marker_at, marker)
    return paragraphs


@pytest.mark.parametrize(
    "body",
    [
        "\n\n".join(["a" * 3000, "b" * 3000, "c" * 100, "d" * 5000]),
        ("word " * 3000).strip(),  # one paragraph: cut at spaces
        "x" * 10_000,  # one word: cut at the limit
        "\n\n".join(long_body(20)),
    ],
    ids=["paragraphs", "one-paragraph", "one-word", "release"],
)
def test_passages_cover_the_body_in_order_and_are_bounded(body: str) -> None:
    found = list(passages(body))
    assert all(0 < len(text) <= PASSAGE_CHARS for _, text in found)
    assert all(body[start : start + len(text)] == text for start, text in found)
    starts = [start for start, _ in found]
    assert starts == sorted(starts)
    # between two passages there is only the white space where the body was cut
    ends = [start + len(text) for start, text in found]
    gaps = [body[end:start] for end, start in zip(ends, starts[1:], strict=False)]
    assert all(gap.strip() == "" for gap in gaps)
    assert body[: starts[0]] == ""
    assert body[ends[-1] :] == ""


def test_only_a_long_body_has_passages() -> None:
    assert passage_rows(7, "short " * 100) == []
    rows = passage_rows(7, "\n\n".join(long_body(20)))
    assert [row["id"] for row in rows] == [7 * 2**20 + n for n in range(len(rows))]
    assert {row["release_id"] for row in rows} == {7}


# The highlighter's snippet, the same on both engines: 24 words from three before the match, in
# its passage, with … where the body goes on
SNIPPET = (
    "…the delegations, The <mark>zanzibarian</mark> delegation signed it. Paragraph 20 on "
    "&lt;b&gt;trade&lt;/b&gt; &amp; transit talks between the delegations, Paragraph 20 on "
    "&lt;b&gt;trade&lt;/b…"
)


def take_ids_up_to(engine: Engine, last: int) -> None:
    """The next release ingested gets an id above `last` (a row with that id is stored)."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO press_release (id, external_id, slug, title, published_on, body, "
                "lead, word_count, content_hash, ingested_at, updated_at) VALUES (:id, 'filler', "
                "'filler', 'Filler', '2020-01-01', 'Filler.', 'Filler.', 1, 'h', '2020-01-01', "
                "'2020-01-01')"
            ),
            {"id": last},
        )
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT setval('press_release_id_seq', :id)"), {"id": last})


@pytest.mark.parametrize("marker_at", [0, 20, 40])
def test_a_long_release_snippet_is_cut_from_the_passage_with_the_match(
    client: TestClient, load: Ingest, engine: Engine, marker_at: int
) -> None:
    take_ids_up_to(engine, 70_000)  # a passage's id is its release's times 2**20: past 2**31
    body = long_body(marker_at)
    assert len("\n\n".join(body)) > LONG_BODY_CHARS
    load({"long": seed_text("2025-01-01", "A long report", *body)})
    [hit] = client.get("/v1/search", params={"q": "zanzibarian"}).json()["items"]
    snippet = hit["snippet"]
    assert "<mark>zanzibarian</mark> delegation signed" in snippet
    assert "<b>" not in snippet  # the release's markup is text
    assert len(snippet.split()) < 35
    assert snippet.startswith("…") == (marker_at > 0)
    assert snippet.endswith("…") == (marker_at < 40)
    if marker_at == 20:
        assert snippet == SNIPPET


def test_a_long_release_matched_by_its_title_only_shows_its_title(
    client: TestClient, load: Ingest
) -> None:
    load({"long": seed_text("2025-01-01", "Quarterly almanac", *long_body(20))})
    [hit] = client.get("/v1/search", params={"q": "title:almanac"}).json()["items"]
    assert hit["snippet"] == "Quarterly <mark>almanac</mark>"


def test_a_long_release_snippet_shows_a_passage_with_some_words_of_an_and(
    client: TestClient, load: Ingest
) -> None:
    body = long_body(5, "Near the start: zanzibarian envoys.")
    body.insert(35, "Near the end: an accord on lagoons.")
    load({"long": seed_text("2025-01-01", "A long report", *body)})
    [hit] = client.get("/v1/search", params={"q": "zanzibarian accord"}).json()["items"]
    assert "<mark>zanzibarian</mark> envoys" in hit["snippet"]


def passage_count(engine: Engine) -> int:
    with engine.connect() as connection:
        count: int = connection.execute(
            text("SELECT count(*) FROM press_release_passage")
        ).scalar_one()
        return count


SHORT = "The <mark>lagoon</mark> accord, in short."


def test_passages_follow_every_change_of_a_release(
    client: TestClient, load: Ingest, engine: Engine, dialect: str
) -> None:
    load({"long": seed_text("2025-01-01", "A long report", *long_body(20))})
    first = passage_count(engine)
    assert first > 2

    load(
        {"long": seed_text("2025-01-01", "A long report", *long_body(30, "Now: a lagoon accord."))}
    )
    assert passage_count(engine) == first
    assert client.get("/v1/search", params={"q": "zanzibarian"}).json()["total"] == 0
    [hit] = client.get("/v1/search", params={"q": "lagoon"}).json()["items"]
    assert "<mark>lagoon</mark> accord." in hit["snippet"]

    load({"long": seed_text("2025-01-01", "A short report", "The lagoon accord, in short.")})
    assert passage_count(engine) == 0
    [hit] = client.get("/v1/search", params={"q": "lagoon"}).json()["items"]
    assert hit["snippet"] == SHORT

    load({"long": seed_text("2025-01-01", "A long report", *long_body(20))})
    assert passage_count(engine) == first
    assert change_state(engine, "purge", ["long"]).errors == []  # a purge erases the passages
    assert passage_count(engine) == 0


def test_the_migration_cuts_the_long_releases_already_stored(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0001")
    body = "\n\n".join(long_body(20))
    with engine.begin() as connection:
        for id_, external_id, text_ in ((1, "long", body), (2, "short", "A short body.")):
            connection.execute(
                text(
                    "INSERT INTO press_release (id, external_id, slug, title, published_on, body, "
                    "lead, word_count, content_hash, ingested_at, updated_at) VALUES (:id, :e, :e, "
                    "'T', '2025-01-01', :body, 'L', 1, 'h', '2025-01-01', '2025-01-01')"
                ),
                {"id": id_, "e": external_id, "body": text_},
            )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT id, release_id, start, body FROM press_release_passage ORDER BY id")
        ).mappings()
        assert [dict(row) for row in stored] == passage_rows(1, body)


UPGRADE_QUERIES = [
    {"q": "zanzibarian"},
    {"q": "trade", "facets": "year,source"},
    {"q": "zanzib*"},
    {"q": "title:report", "sort": "newest"},
    {"q": '"delegation signed"'},
]


def test_an_upgraded_database_answers_like_a_freshly_loaded_one(
    client: TestClient, load: Ingest, database_url: str
) -> None:
    load({"long": seed_text("2025-01-01", "A long report", *long_body(20))})
    load({"short": seed_text("2025-01-02", "A short report", "Trade talks, zanzibarian style.")})
    fresh = [client.get("/v1/search", params=params).json() for params in UPGRADE_QUERIES]
    assert [answer["total"] for answer in fresh] == [2, 2, 2, 2, 1]

    # back to the first schema (no passages, no vocabulary; on PostgreSQL the tsvector back in
    # press_release), the releases kept; then up again, as an existing deployment upgrades
    config = alembic_config(database_url)
    command.downgrade(config, "0001")
    command.upgrade(config, "head")
    upgraded = [client.get("/v1/search", params=params).json() for params in UPGRADE_QUERIES]
    assert upgraded == fresh
