"""The change feed on both engines: every change in commit order, a `next` token to poll with
that never misses nor repeats a change, and a mirror replayed from it that holds exactly what the
list holds."""

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import cursors
from app.config import Settings
from app.main import create_app
from app.schemas import ChangePage
from tests.fixtures.lifecycle import Write, jsonl_writer, line, pressroom
from tests.fixtures.releases import REPOSITORY


@pytest.fixture
def write(tmp_path: Path) -> Write:
    return jsonl_writer(tmp_path)


def _kinds(answer: dict[str, Any]) -> list[tuple[int, str, str]]:
    return [(item["seq"], item["kind"], item["external_id"]) for item in answer["items"]]


def _page(client: TestClient, **params: Any) -> dict[str, Any]:
    """A page of the feed, checked to be byte for byte what its documented model writes."""
    answer = client.get("/v1/changes", params=params)
    assert answer.status_code == 200
    assert ChangePage.model_validate_json(answer.content).model_dump_json() == answer.text
    page: dict[str, Any] = answer.json()
    return page


def _follow(client: TestClient, mirror: dict[int, Any], since: str | None = None) -> str:
    """Apply the feed's changes after `since` to `mirror`, as README's client does; the token to
    poll with next."""
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"since": since} if since else {})
        answer = _page(client, **params)
        for item in answer["items"]:
            if item["press_release"] is None:
                mirror.pop(item["id"], None)
            else:
                mirror[item["id"]] = item["press_release"]
        if not answer["items"]:
            return str(answer["next"])
        since = answer["next"]


def _replayed(client: TestClient) -> dict[int, Any]:
    """A mirror built by replaying the feed from the start."""
    mirror: dict[int, Any] = {}
    _follow(client, mirror)
    return mirror


def _listed(client: TestClient, limit: int = 2) -> dict[int, Any]:
    """Every release of the list, walking its pages."""
    listed: dict[int, Any] = {}
    params: dict[str, Any] = {"limit": limit}
    while True:
        page = client.get("/v1/press-releases", params=params).json()
        listed |= {item["id"]: item for item in page["items"]}
        if page["next_cursor"] is None:
            return listed
        params["cursor"] = page["next_cursor"]


def test_every_change_is_in_the_feed_in_commit_order(
    cli_env: str, client: TestClient, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = client.get("/v1/changes").json()
    assert empty == {"items": [], "next": cursors.encode([0], "changes")}
    assert (
        pressroom(capsys, "ingest", str(write(line("a", "A", "Alpha."), line("b", "B", "Beta."))))[
            0
        ]
        == 0
    )
    assert pressroom(capsys, "ingest", str(write(line("a", "A", "Alpha, corrected."))))[0] == 0
    assert pressroom(capsys, "withdraw", "b", "--reason", "wrong")[0] == 0
    assert pressroom(capsys, "restore", "b")[0] == 0
    assert pressroom(capsys, "purge", "a")[0] == 0
    answer = client.get("/v1/changes")
    assert answer.headers["cache-control"] == "no-cache"
    feed = _page(client)
    assert _kinds(feed) == [
        (1, "created", "a"),
        (2, "created", "b"),
        (3, "updated", "a"),
        (4, "withdrawn", "b"),
        (5, "restored", "b"),
        (6, "purged", "a"),
    ]
    assert feed["next"] == cursors.encode([6], "changes")
    b = client.get("/v1/press-releases/2").json()
    summary_b = {name: b[name] for name in feed["items"][1]["press_release"]}
    assert [item["press_release"] for item in feed["items"]] == [
        None, summary_b, None, summary_b, summary_b, None
    ]  # fmt: skip
    assert all(item["at"].endswith("Z") for item in feed["items"])
    assert [item["at"] for item in feed["items"]] == sorted(item["at"] for item in feed["items"])


def test_polling_with_next_never_misses_nor_repeats_a_change(
    cli_env: str, client: TestClient, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        pressroom(
            capsys, "ingest", str(write(*(line(f"r{i}", f"R{i}", f"Body {i}.") for i in range(5))))
        )[0]
        == 0
    )
    first = client.get("/v1/changes", params={"limit": 2}).json()
    second = client.get("/v1/changes", params={"limit": 2, "since": first["next"]}).json()
    third = client.get("/v1/changes", params={"limit": 2, "since": second["next"]}).json()
    seen = [item["seq"] for page in (first, second, third) for item in page["items"]]
    assert seen == [1, 2, 3, 4, 5]
    idle = client.get("/v1/changes", params={"since": third["next"]}).json()
    assert idle == {"items": [], "next": third["next"]}
    assert pressroom(capsys, "withdraw", "r0", "--reason", "x")[0] == 0
    news = client.get("/v1/changes", params={"since": idle["next"]}).json()
    assert _kinds(news) == [(6, "withdrawn", "r0")]


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "e30",
        cursors.encode(["2026-01-01", 3], cursors.fingerprint("list", "newest", None)),
        cursors.encode([1], "list"),
        cursors.encode(["1"], "changes"),
        cursors.encode([-1], "changes"),
        cursors.encode([2**70], "changes"),
    ],
)
def test_a_malformed_token_is_a_400_problem(client: TestClient, token: str) -> None:
    answer = client.get("/v1/changes", params={"since": token})
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"].startswith("The since token is not one this API issued")


def test_the_limit_is_bounded(client: TestClient) -> None:
    assert client.get("/v1/changes", params={"limit": 0}).status_code == 422
    assert client.get("/v1/changes", params={"limit": 1001}).status_code == 422
    assert client.get("/v1/changes", params={"limit": 1000}).status_code == 200


def test_a_mirror_replayed_from_the_feed_holds_what_the_list_holds(
    cli_env: str, client: TestClient, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    releases = [
        line(f"r{i}", f"Release {i}", f"Body {i}.", day=f"2026-01-{i + 1:02}") for i in range(8)
    ]
    assert pressroom(capsys, "ingest", str(write(*releases)))[0] == 0
    mirror: dict[int, Any] = {}
    token = _follow(client, mirror)
    assert mirror == _listed(client)
    assert len(mirror) == 8
    steps = [
        ("ingest", line("r1", "Release 1, corrected", "Body 1, corrected.", day="2026-01-02")),
        ("withdraw", "r2"),
        (
            "ingest",
            line("r3", "Release 3", "Body 3.", day="2026-01-04", withdrawn=True, reason="x"),
        ),
        ("withdraw", "r4"),
        ("restore", "r4"),
        ("ingest", line("r9", "Release 9", "Body 9.", day="2026-01-09")),
        ("purge", "r5"),
        ("withdraw", "r1"),
        ("ingest", line("r1", "Release 1, again", "Body 1 once more.", day="2026-01-02")),
        ("restore", "r1"),
        ("purge", "r2"),
    ]
    for action, what in steps:
        if action == "ingest":
            assert pressroom(capsys, "ingest", str(write(what)))[0] == 0
        elif action == "withdraw":
            assert pressroom(capsys, "withdraw", what, "--reason", "test")[0] == 0
        else:
            assert pressroom(capsys, action, what)[0] == 0
        # a mirror kept up to date by polling, and one replayed from the start, agree with the list
        token = _follow(client, mirror, token)
        assert mirror == _listed(client) == _replayed(client), (action, what)
    assert sorted(mirror) == [1, 2, 5, 7, 8, 9]
    assert mirror[2]["title"] == "Release 1, corrected"


class _UpToDate(Exception):
    """README's client has caught up and would sleep before polling again."""


def test_the_readme_mirror_client_builds_what_the_list_holds(
    live_server: str,
    cli_env: str,
    write: Write,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """README's ten-line client, run as written against `pressroom serve`."""
    blocks = (REPOSITORY / "README.md").read_text().split("```python\n")
    client_code = blocks[1].split("```")[0]
    assert len([code for code in client_code.splitlines() if code.strip()]) == 10
    releases = [line(f"r{i}", f"Release {i}", f"Body {i}.") for i in range(1005)]
    assert pressroom(capsys, "ingest", str(write(*releases)))[0] == 0
    assert pressroom(capsys, "withdraw", "r3", "r1000", "--reason", "x")[0] == 0
    assert pressroom(capsys, "purge", "r7")[0] == 0

    def caught_up(seconds: float) -> None:
        if seconds:  # the client waits only once it has every change
            raise _UpToDate

    monkeypatch.setattr(time, "sleep", caught_up)
    namespace: dict[str, Any] = {}
    with pytest.raises(_UpToDate):
        exec(client_code.replace("http://127.0.0.1:8000", live_server), namespace)  # noqa: S102
    with TestClient(create_app(Settings(database_url=cli_env))) as client:
        listed = _listed(client, limit=100)
    assert len(listed) == 1002
    assert namespace["mirror"] == {
        id_: item | {"url": item["url"].replace("http://testserver", live_server)}
        for id_, item in listed.items()
    }
