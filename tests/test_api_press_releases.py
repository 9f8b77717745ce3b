"""`/v1/press-releases`: the list, its cursors and filters, and the detail."""

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import queries
from app.errors import PROBLEM_JSON
from tests.fixtures.lifecycle import pressroom
from tests.fixtures.problems import assert_problem
from tests.fixtures.releases import SEED, SEED_TITLE, Ingest, seed_text

SEED_SLUG = (
    "2025-03-06-initiative-of-the-president-of-kazakhstan-to-establish-a-un-center-in-almaty-was"
)
SEED_LEAD = SEED.read_text().splitlines()[1]

# Five releases: two on the same day (ids 2 and 3), so the id tiebreak shows.
ARCHIVE = {
    "r1": seed_text("2025-01-01", "First", "One."),
    "r2": seed_text("2025-02-01", "Second", "Two."),
    "r3": seed_text("2025-02-01", "Third", "Three."),
    "r4": seed_text("2025-03-01", "Fourth", "Four."),
    "r5": seed_text("2025-04-01", "Fifth", "Five."),
}


def ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


def walk(client: TestClient, url: str) -> list[list[int]]:
    """Every page from `url` on, following the Link header; the ids of each page."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(ids(response.json()))
        link = response.headers.get("link")
        url = link[1 : link.index(">")] if link else ""
    return pages


def test_the_seed_is_listed(client: TestClient, load: Ingest) -> None:
    load({"000_58c17a29ac5caa8f": SEED.read_text()})
    response = client.get("/v1/press-releases")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "link" not in response.headers
    assert response.json() == {
        "items": [
            {
                "id": 1,
                "external_id": "000_58c17a29ac5caa8f",
                "slug": SEED_SLUG,
                "title": SEED_TITLE,
                "published_on": "2025-03-06",
                "source": None,
                "language": "en",
                "lead": SEED_LEAD,
                "word_count": 416,
                "url": "http://testserver/v1/press-releases/1",
            }
        ],
        "total": 1,
        "total_relation": "eq",
        "next_cursor": None,
    }


def test_an_empty_archive_is_an_empty_page(client: TestClient) -> None:
    assert client.get("/v1/press-releases").json() == {
        "items": [],
        "total": 0,
        "total_relation": "eq",
        "next_cursor": None,
    }


@pytest.mark.parametrize(
    ("query", "pages"),
    [
        ("", [[5, 4, 3, 2, 1]]),
        ("?limit=2", [[5, 4], [3, 2], [1]]),
        ("?limit=2&sort=oldest", [[1, 2], [3, 4], [5]]),
        ("?limit=3&sort=newest", [[5, 4, 3], [2, 1]]),
        ("?limit=5", [[5, 4, 3, 2, 1]]),
    ],
)
def test_pages_follow_each_other_without_repeats_or_gaps(
    client: TestClient, load: Ingest, query: str, pages: list[list[int]]
) -> None:
    load(ARCHIVE)
    assert walk(client, f"http://testserver/v1/press-releases{query}") == pages


def test_next_link_and_cursor_agree_and_total_counts_everything(
    client: TestClient, load: Ingest
) -> None:
    load(ARCHIVE)
    first = client.get("/v1/press-releases?limit=2&sort=oldest")
    body = first.json()
    assert body["total"] == 5
    cursor = body["next_cursor"]
    assert first.headers["link"] == (
        f'<http://testserver/v1/press-releases?limit=2&sort=oldest&cursor={cursor}>; rel="next"'
    )
    second = client.get(
        "/v1/press-releases", params={"limit": 2, "sort": "oldest", "cursor": cursor}
    )
    assert (ids(second.json()), second.json()["total"]) == ([3, 4], 5)


def test_a_release_inserted_between_pages_neither_repeats_nor_skips_a_row(
    client: TestClient, load: Ingest
) -> None:
    load(ARCHIVE)
    first = client.get("/v1/press-releases?limit=2").json()
    # newer than everything served, and one on the same day as the page's last row
    load(
        {
            "r6": seed_text("2025-05-01", "Sixth", "Six."),
            "r7": seed_text("2025-02-01", "Seventh", "7."),
        }
    )
    rest = walk(
        client, f"http://testserver/v1/press-releases?limit=2&cursor={first['next_cursor']}"
    )
    # 6 sorts before the cursor, so the walk never shows it; 7 sorts after it, in its place (same
    # day as 3, higher id); every original row comes exactly once.
    assert ids(first) + [i for page in rest for i in page] == [5, 4, 7, 3, 2, 1]


@pytest.mark.usefixtures("cli_env")
def test_totals_follow_every_write(
    client: TestClient, load: Ingest, capsys: pytest.CaptureFixture[str]
) -> None:
    # The API remembers counts until the database changes (app/reads.py, Totals; on PostgreSQL
    # by the change log's highest number): each ingest, withdrawal, restoration and purge below
    # must show at once, on the same server, in every count it touches; and a remembered count
    # belongs to its filter values, whatever the page size or the cursor.
    urls = (
        "/v1/press-releases?limit=1",
        "/v1/press-releases?limit=1&to=2025-02-01",
        "/v1/press-releases?limit=1&to=2025-03-01",
        "/v1/press-releases?limit=2&to=2025-03-01",
    )

    def totals() -> list[int]:
        return [client.get(url).json()["total"] for url in urls]

    load(ARCHIVE)
    assert totals() == [5, 3, 4, 4]
    assert totals() == [5, 3, 4, 4]  # remembered: the same
    first = client.get(urls[2]).json()
    second = client.get(f"{urls[2]}&cursor={first['next_cursor']}").json()
    assert (ids(first), ids(second), second["total"]) == ([4], [3], 4)
    load({"r6": seed_text("2025-01-15", "Sixth", "Six.")})
    assert totals() == [6, 4, 5, 5]
    load({"r7": seed_text("2025-05-01", "Seventh", "Seven.")})
    assert totals() == [7, 4, 5, 5]
    assert pressroom(capsys, "withdraw", "r6", "--reason", "a test")[0] == 0
    assert totals() == [6, 3, 4, 4]
    assert pressroom(capsys, "restore", "r6")[0] == 0
    assert totals() == [7, 4, 5, 5]
    assert pressroom(capsys, "purge", "r7")[0] == 0
    assert totals() == [6, 4, 5, 5]


@pytest.mark.parametrize(
    ("query", "total"),
    [
        ("limit=1", (5, "eq")),  # the whole archive: counted exactly, past the cap
        ("limit=1&to=2025-03-01", (3, "gte")),  # 4 match: counted up to the cap
        ("limit=1&to=2025-02-01", (3, "eq")),  # 3 match: the cap's worth, exactly
        ("limit=1&from=2025-02-01&sort=oldest", (3, "gte")),
        ("limit=1&language=en", (3, "gte")),
        ("limit=4&from=2025-01-01", (3, "gte")),
        ("limit=5&from=2025-01-01", (5, "eq")),  # the first page holds every match
    ],
)
def test_a_filtered_list_counts_up_to_the_cap_on_every_page(
    client: TestClient, load: Ingest, monkeypatch: pytest.MonkeyPatch, query: str, total: Any
) -> None:
    monkeypatch.setattr(queries, "TOTAL_CAP", 3)
    load(ARCHIVE)
    url: str | None = f"http://testserver/v1/press-releases?{query}"
    seen = []
    while url:
        response = client.get(url)
        body = response.json()
        seen.append((body["total"], body["total_relation"]))
        link = response.headers.get("link")
        url = link[1 : link.index(">")] if link else None
    assert seen == [total] * len(seen)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("from=2025-02-01", [5, 4, 3, 2]),
        ("to=2025-02-01", [3, 2, 1]),
        ("from=2025-02-01&to=2025-02-01", [3, 2]),
        ("source=MFA", [2, 1]),
        ("source=MFA&source=Akorda", [4, 2, 1]),
        ("language=ru", [4, 1]),
        ("language=ru&language=kk", [5, 4, 1]),
        ("language=ru&source=MFA", [1]),
        ("from=2025-03-01&source=MFA", []),
    ],
)
def test_filters(client: TestClient, load: Ingest, query: str, expected: list[int]) -> None:
    load({"r1": ARCHIVE["r1"]}, source="MFA", language="ru")
    load({"r2": ARCHIVE["r2"]}, source="MFA", language="en")
    load({"r3": ARCHIVE["r3"]})
    load({"r4": ARCHIVE["r4"]}, source="Akorda", language="ru")
    load({"r5": ARCHIVE["r5"]}, language="kk")
    body = client.get(f"/v1/press-releases?{query}").json()
    assert (ids(body), body["total"]) == (expected, len(expected))


def test_a_cursor_is_bound_to_its_filters(client: TestClient, load: Ingest) -> None:
    load(ARCHIVE)
    cursor = client.get("/v1/press-releases?limit=1&sort=oldest").json()["next_cursor"]
    response = client.get("/v1/press-releases", params={"limit": 1, "cursor": cursor})
    assert_problem(
        response,
        400,
        "Bad Request",
        "The cursor belongs to a different query, sort or filter set. Repeat the "
        "request that returned it with the same parameters, or leave cursor out to start again.",
        "/v1/press-releases",
    )


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "eyJ2IjoxfQ", "e30", "%%%", "eyJ2IjoxLCJvIjoiIiwiayI6WyJ4IiwxXX0", "é"],
    ids=["not-base64", "no-key", "empty-object", "symbols", "bad-date-in-key", "non-ascii"],
)
def test_a_malformed_cursor_is_a_400_problem(client: TestClient, load: Ingest, cursor: str) -> None:
    load(ARCHIVE)
    response = client.get("/v1/press-releases", params={"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "The cursor is not one this API issued. Pass the next_cursor of a previous page "
        "unchanged, or leave cursor out to start from the first page."
    )


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "query.limit"),
        ("limit=101", "query.limit"),
        ("limit=ten", "query.limit"),
        ("sort=random", "query.sort"),
        ("from=2025-02-30", "query.from"),
        ("from=5", "query.from"),  # not a timestamp: dates are YYYY-MM-DD
        ("to=20250101", "query.to"),
        ("language=english", "query.language.0"),
    ],
)
def test_invalid_parameters_are_422_problems_naming_them(
    client: TestClient, query: str, parameter: str
) -> None:
    response = client.get(f"/v1/press-releases?{query}")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert (body["title"], body["status"], body["instance"]) == (
        "Unprocessable Content",
        422,
        "/v1/press-releases",
    )
    assert body["detail"] == f"The request has invalid parameters: {parameter}."
    assert [error["parameter"] for error in body["errors"]] == [parameter]


def test_from_after_to_is_a_400_problem(client: TestClient) -> None:
    response = client.get("/v1/press-releases?from=2025-03-01&to=2025-01-01")
    assert (response.status_code, response.json()["detail"]) == (
        400,
        "from (2025-03-01) is after to (2025-01-01): swap them or drop one.",
    )


@pytest.mark.parametrize("key", ["1", SEED_SLUG])
def test_the_detail_by_id_or_slug(client: TestClient, load: Ingest, key: str) -> None:
    load({"000_58c17a29ac5caa8f": SEED.read_text()})
    response = client.get(f"/v1/press-releases/{key}")
    assert response.status_code == 200
    body = response.json()
    paragraphs = [line for line in SEED.read_text().splitlines()[1:] if line]
    assert len(body["paragraphs"]) == 8
    assert body["paragraphs"] == paragraphs
    assert body["body"] == "\n\n".join(paragraphs)
    assert (body["id"], body["slug"], body["title"], body["published_on"]) == (
        1,
        SEED_SLUG,
        SEED_TITLE,
        "2025-03-06",
    )
    assert body["url"] == "http://testserver/v1/press-releases/1"
    assert len(body["content_hash"]) == 64
    assert body["ingested_at"] == body["updated_at"]
    assert body["ingested_at"].endswith("Z")


@pytest.mark.parametrize("key", ["2", "nope", "99999999999999999999999", "٣", "2025-03-06"])
def test_a_missing_release_is_a_404_problem(client: TestClient, load: Ingest, key: str) -> None:
    load({"000_58c17a29ac5caa8f": SEED.read_text()})
    response = client.get(f"/v1/press-releases/{key}")
    assert_problem(
        response,
        404,
        "Not Found",
        f"No press release has the id or slug {key!r}.",
        f"/v1/press-releases/{key}",
    )


@pytest.mark.parametrize(
    "raw",
    [
        '{"v":1,"k":["2025-01-01",1]}',  # no owner
        '{"v":1,"o":null,"k":["2025-01-01",1]}',
        '{"v":1,"o":"x","k":["2025-01-01",18446744073709551616]}',  # over 64 bits
    ],
    ids=["no-owner", "null-owner", "huge-id"],
)
def test_a_crafted_list_cursor_is_a_400_problem(client: TestClient, load: Ingest, raw: str) -> None:
    load(ARCHIVE)
    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    response = client.get("/v1/press-releases", params={"cursor": cursor})
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("The cursor is not one this API issued.")
