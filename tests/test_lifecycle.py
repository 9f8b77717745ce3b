"""A release's life on both engines: corrections keep their versions, a withdrawal answers 410 and
leaves every listing, a restore brings the release back as it was, a purge leaves a tombstone."""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text, update

from app.db import sqlite_path
from app.ingest.command import ingest
from app.models import press_release
from app.search.index import index_label
from tests.fixtures.lifecycle import Write, jsonl_writer, line, pressroom
from tests.fixtures.search_index import dictionary

A1 = line("a1", "Almaty centre opens", "The UN centre in Almaty opens.\n\nIt hosts 18 agencies.")
A1_CORRECTED = line(
    "a1",
    "Almaty centre opens",
    "The UN centre in Almaty opens today.\n\nIt hosts 18 agencies and a quokka.",
    change_note="the day added",
)
A2 = line("a2", "Astana energy talks", "Talks in Astana on energy transit.", day="2026-01-03")
A3 = line("a3", "Shymkent water plan", "Shymkent adopts a water plan.", day="2026-01-04")


LONG_AGO = datetime(2020, 1, 1, 9, tzinfo=UTC)


@pytest.fixture
def write(tmp_path: Path) -> Write:
    return jsonl_writer(tmp_path)


@pytest.fixture
def archive(cli_env: str, write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    """a1 (id 1), a2 (id 2), a3 (id 3), ingested by `pressroom ingest`."""
    assert pressroom(capsys, "ingest", str(write(A1, A2, A3)))[0] == 0


def _ids(client: TestClient, path: str, **params: str) -> list[int]:
    answer = client.get(path, params=params).json()
    return [item.get("press_release", item)["id"] for item in answer["items"]]


class TestCorrections:
    def test_a_changed_release_keeps_its_earlier_version(
        self,
        archive: None,
        engine: Engine,
        client: TestClient,
        write: Write,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        with engine.begin() as connection:  # first loaded long ago: its feed entry says when
            connection.execute(
                update(press_release)
                .where(press_release.c.id == 1)
                .values(ingested_at=LONG_AGO, updated_at=LONG_AGO)
            )
        before = client.get("/v1/press-releases/1").json()
        assert before["updated_at"] == "2020-01-01T09:00:00Z"
        status, out, _ = pressroom(capsys, "ingest", str(write(A1_CORRECTED)))
        assert (status, out) == (0, "added 0, updated 1, unchanged 0, rejected 0\n")

        now = client.get("/v1/press-releases/1").json()
        assert (now["version"], now["change_note"]) == (2, "the day added")
        assert now["paragraphs"][0] == "The UN centre in Almaty opens today."
        versions = client.get("/v1/press-releases/1/versions").json()
        assert versions["total"] == 2
        assert versions["next_cursor"] is None
        assert [
            (v["version"], v["content_hash"], v["updated_at"], v["change_note"], v["url"])
            for v in versions["items"]
        ] == [
            (2, now["content_hash"], now["updated_at"], "the day added",
             "http://testserver/v1/press-releases/1/versions/2"),
            (1, before["content_hash"], before["updated_at"], None,
             "http://testserver/v1/press-releases/1/versions/1"),
        ]  # fmt: skip
        assert client.get("/v1/press-releases/1/versions/1").json() == before
        assert client.get("/v1/press-releases/1/versions/2").json() == now
        by_slug = client.get(f"/v1/press-releases/{now['slug']}/versions/1").json()
        assert by_slug == before
        # the Atom feed shows the correction by its entry's `updated`
        entry = client.get("/v1/feed.atom").text.split("<entry>")[3]  # a1: the third newest
        stamp = now["updated_at"].split(".")[0].removesuffix("Z") + "Z"
        assert f"<updated>{stamp}</updated>" in entry
        assert stamp > "2026"

    def test_an_unchanged_release_or_a_note_alone_makes_no_version(
        self, archive: None, client: TestClient, write: Write, capsys: pytest.CaptureFixture[str]
    ) -> None:
        noted = line(
            "a1",
            "Almaty centre opens",
            "The UN centre in Almaty opens.\n\nIt hosts 18 agencies.",
            change_note="nothing really",
        )
        status, out, _ = pressroom(capsys, "ingest", str(write(noted)))
        assert (status, out) == (0, "added 0, updated 0, unchanged 1, rejected 0\n")
        assert client.get("/v1/press-releases/1").json()["version"] == 1
        assert client.get("/v1/press-releases/1/versions").json()["total"] == 1

    def test_the_history_is_paged_newest_first(
        self, archive: None, client: TestClient, write: Write, capsys: pytest.CaptureFixture[str]
    ) -> None:
        for n in range(2, 6):
            body = f"The UN centre in Almaty opens, take {n}."
            assert pressroom(capsys, "ingest", str(write(line("a1", "Almaty", body))))[0] == 0
        first = client.get("/v1/press-releases/a1-slug-unknown/versions")
        assert first.status_code == 404
        page = client.get("/v1/press-releases/1/versions", params={"limit": 2})
        assert [v["version"] for v in page.json()["items"]] == [5, 4]
        cursor = page.json()["next_cursor"]
        assert page.headers["link"] == (
            f'<http://testserver/v1/press-releases/1/versions?limit=2&cursor={cursor}>; rel="next"'
        )
        second = client.get(page.headers["link"][1:].split(">")[0]).json()
        assert [v["version"] for v in second["items"]] == [3, 2]
        third = client.get(
            "/v1/press-releases/1/versions", params={"limit": 2, "cursor": second["next_cursor"]}
        ).json()
        assert ([v["version"] for v in third["items"]], third["next_cursor"]) == ([1], None)
        assert client.get("/v1/press-releases/1/versions/3").json()["paragraphs"] == [
            "The UN centre in Almaty opens, take 3."
        ]
        foreign = client.get("/v1/press-releases/2/versions", params={"cursor": cursor})
        assert foreign.status_code == 400

    def test_a_version_that_does_not_exist_is_a_404_that_says_which_do(
        self, archive: None, client: TestClient
    ) -> None:
        answer = client.get("/v1/press-releases/1/versions/2")
        assert answer.status_code == 404
        assert answer.json()["detail"] == "The press release '1' has versions 1 to 1, not 2."
        assert client.get("/v1/press-releases/1/versions/0").status_code == 422


class TestWithdrawal:
    def test_a_withdrawn_release_answers_410_with_when_and_why(
        self, archive: None, client: TestClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        status, out, err = pressroom(capsys, "withdraw", "2", "--reason", "published in error")
        assert (status, out, err) == (0, "withdrawn 2 (a2)\n", "")
        answer = client.get("/v1/press-releases/2")
        assert answer.status_code == 410
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["cache-control"] == "public, max-age=60"
        problem = answer.json()
        assert problem.pop("withdrawn_at").endswith("Z")
        assert problem == {
            "type": "about:blank",
            "title": "Gone",
            "status": 410,
            "detail": "The press release '2' was withdrawn: published in error",
            "instance": "/v1/press-releases/2",
            "reason": "published in error",
        }
        slug = "2026-01-03-astana-energy-talks"
        assert client.get(f"/v1/press-releases/{slug}").status_code == 410
        assert client.get("/v1/press-releases/2/versions").status_code == 410
        assert client.get("/v1/press-releases/2/versions/1").status_code == 410
        assert client.head("/v1/press-releases/2").status_code == 410

    def test_it_leaves_the_list_search_facets_and_feed(
        self, archive: None, client: TestClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert pressroom(capsys, "withdraw", "a2", "--reason", "legal request")[0] == 0
        listed = client.get("/v1/press-releases").json()
        assert ([r["id"] for r in listed["items"]], listed["total"]) == ([3, 1], 2)
        page = client.get("/v1/press-releases", params={"limit": 1, "sort": "oldest"}).json()
        assert ([r["id"] for r in page["items"]], page["total"]) == ([1], 2)
        rest = client.get(
            "/v1/press-releases",
            params={"limit": 1, "sort": "oldest", "cursor": page["next_cursor"]},
        ).json()
        assert ([r["id"] for r in rest["items"]], rest["next_cursor"]) == ([3], None)
        assert client.get("/v1/search", params={"q": "astana"}).json()["total"] == 0
        for sort in ("relevance", "newest", "oldest"):
            assert _ids(client, "/v1/search", q="energy OR water OR almaty", sort=sort) in (
                [1, 3], [3, 1]
            )  # fmt: skip
        faceted = client.get(
            "/v1/search", params={"q": "energy OR water OR almaty", "facets": "language,year"}
        ).json()
        assert faceted["facets"] == {
            "language": [{"value": "en", "count": 2}],
            "year": [{"value": "2026", "count": 2}],
        }
        feed = client.get("/v1/feed.atom").text
        assert "Astana" not in feed
        assert feed.count("<entry>") == 2

    def test_the_feed_shows_a_tombstone_for_it(
        self, archive: None, client: TestClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        entry = client.get("/v1/feed.atom").text.split("<entry>")[2]  # a2: the second newest
        ref = entry.split("<id>")[1].split("</id>")[0]
        assert pressroom(capsys, "withdraw", "a2", "--reason", "legal request")[0] == 0
        withdrawn_at = client.get("/v1/press-releases/2").json()["withdrawn_at"]
        when = withdrawn_at.split(".")[0].removesuffix("Z") + "Z"
        feed = client.get("/v1/feed.atom").text
        assert (
            f'<at:deleted-entry ref="{ref}" when="{when}"><at:comment>legal request</at:comment>'
            "</at:deleted-entry>"
        ) in feed
        assert 'xmlns:at="http://purl.org/atompub/tombstones/1.0"' in feed
        assert f"<updated>{when}</updated>" in feed.split("<entry>")[0]
        # the feed's filters apply to its tombstones too
        assert "deleted-entry" not in client.get("/v1/feed.atom", params={"language": "kk"}).text
        assert "deleted-entry" not in client.get("/v1/feed.atom", params={"to": "2026-01-02"}).text
        assert "deleted-entry" in client.get("/v1/feed.atom", params={"q": "water"}).text

    def test_an_unknown_key_is_named_and_the_others_are_still_withdrawn(
        self, archive: None, client: TestClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        status, out, err = pressroom(
            capsys, "withdraw", "nope", "2026-01-04-shymkent-water-plan", "a1", "--reason", "x"
        )
        assert status == 1
        assert err == "pressroom: no release has the id, slug or external id 'nope'\n"
        assert out == "withdrawn 3 (a3)\nwithdrawn 1 (a1)\n"
        assert _ids(client, "/v1/press-releases") == [2]
        status, out, _ = pressroom(capsys, "withdraw", "a1", "--reason", "again")
        assert (status, out) == (
            0,
            "1 (a1) is withdrawn already (restore it to publish it again)\n",
        )

    def test_the_reason_is_required(
        self, archive: None, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with pytest.raises(SystemExit) as exit_:
            pressroom(capsys, "withdraw", "a1")
        assert exit_.value.code == 2
        assert "the following arguments are required: --reason" in capsys.readouterr().err
        with pytest.raises(SystemExit) as exit_:
            pressroom(capsys, "withdraw", "a1", "--reason", " \t")
        assert exit_.value.code == 2
        assert "a reason says why: it cannot be empty" in capsys.readouterr().err

    def test_a_reindex_leaves_it_out_of_the_index(
        self,
        archive: None,
        client: TestClient,
        dialect: str,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        assert pressroom(capsys, "withdraw", "a2", "--reason", "x")[0] == 0
        status, out, _ = pressroom(capsys, "reindex")
        label = index_label(dialect)
        assert (status, out) == (0, f"reindexed 2 releases with text analyser {label}\n")
        assert client.get("/v1/search", params={"q": "astana OR water"}).json()["total"] == 1
        assert pressroom(capsys, "restore", "a2")[0] == 0
        assert _ids(client, "/v1/search", q="astana") == [2]

    def test_a_restore_brings_it_back_as_it_was(
        self, archive: None, client: TestClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        before = client.get("/v1/press-releases/2")
        assert pressroom(capsys, "withdraw", "a2", "--reason", "checking")[0] == 0
        assert client.get("/v1/press-releases/2").status_code == 410
        status, out, _ = pressroom(capsys, "restore", "a2", "a2")
        assert (status, out) == (0, "restored 2 (a2)\n")
        after = client.get("/v1/press-releases/2")
        assert (after.status_code, after.content) == (200, before.content)
        assert after.headers["etag"] == before.headers["etag"]
        assert _ids(client, "/v1/search", q="astana") == [2]
        assert "deleted-entry" not in client.get("/v1/feed.atom").text
        status, out, _ = pressroom(capsys, "restore", "a2")
        assert (status, out) == (0, "2 (a2) is published already\n")

    def test_ingesting_it_again_leaves_it_withdrawn_and_says_so(
        self,
        archive: None,
        client: TestClient,
        write: Write,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        assert pressroom(capsys, "withdraw", "a2", "--reason", "legal request")[0] == 0
        changed = line("a2", "Astana energy talks", "Other words.", day="2026-01-03")
        twin = line("b2", "Astana energy talks", "A new release, the same title.", day="2026-01-03")
        path = write(changed, twin)
        status, out, err = pressroom(capsys, "ingest", str(path))
        assert status == 0
        assert out == (
            "added 1, updated 0, unchanged 0, withdrawn 0, left withdrawn 1, rejected 0\n"
        )
        assert err == (
            f"note {path}:1: release 'a2' is withdrawn or purged: left as it is, its content "
            "unchanged (`pressroom restore a2` publishes a withdrawn release again)\n"
        )
        assert client.get("/v1/press-releases/2").status_code == 410
        assert client.get("/v1/press-releases/2/versions").status_code == 410
        # the withdrawn release keeps its slug: the new one with its title and date gets another
        new = client.get("/v1/press-releases/4").json()
        assert new["slug"].startswith("2026-01-03-astana-energy-talks-")
        assert pressroom(capsys, "restore", "a2")[0] == 0
        assert client.get("/v1/press-releases/2").json()["paragraphs"] == [
            "Talks in Astana on energy transit."
        ]

    def test_a_key_that_names_two_releases_is_refused(
        self, cli_env: str, write: Write, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert pressroom(capsys, "ingest", str(write(A1, line("1", "One", "Its id is 1."))))[0] == 0
        status, out, err = pressroom(capsys, "withdraw", "1", "--reason", "x")
        assert (status, out) == (1, "")
        assert err == (
            "pressroom: '1' names more than one release (1 (a1) and 2 (1)): "
            "name it by another of its keys\n"
        )


NO_REASON = '"withdrawn": true needs a reason: say why the release is withdrawn'
REASON_ALONE = 'reason is given without "withdrawn": true (it says why a release is withdrawn)'
NOT_TRUE_GIVEN = "withdrawn must be true when given,"
NOT_TRUE = (
    "leave it out to publish the release (`pressroom restore` publishes a withdrawn one again)"
)


class TestJsonLinesWithdrawal:
    def test_a_line_can_withdraw_its_release(
        self, archive: None, client: TestClient, write: Write, capsys: pytest.CaptureFixture[str]
    ) -> None:
        gone = line(
            "a3",
            "Shymkent water plan",
            "Shymkent adopts a water plan.",
            day="2026-01-04",
            withdrawn=True,
            reason="duplicate",
        )
        fresh = line(
            "a4", "Never shown", "Withdrawn as it arrives.", withdrawn=True, reason="embargo"
        )
        path = write(gone, fresh)
        status, out, _ = pressroom(capsys, "ingest", str(path))
        assert (status, out) == (
            0,
            "added 0, updated 0, unchanged 0, withdrawn 2, left withdrawn 0, rejected 0\n",
        )
        assert client.get("/v1/press-releases/3").json()["reason"] == "duplicate"
        assert client.get("/v1/press-releases/4").json()["reason"] == "embargo"
        assert _ids(client, "/v1/press-releases") == [2, 1]
        assert client.get("/v1/search", params={"q": "withdrawn OR shymkent"}).json()["total"] == 0
        status, out, _ = pressroom(capsys, "ingest", str(path))  # idempotent
        assert (status, out) == (0, "added 0, updated 0, unchanged 2, rejected 0\n")

    @pytest.mark.parametrize(
        ("extra", "reason"),
        [
            ({"withdrawn": True}, NO_REASON),
            ({"withdrawn": True, "reason": "  "}, NO_REASON),
            ({"reason": "why"}, REASON_ALONE),
            ({"withdrawn": False}, f"withdrawn must be true when given, found false: {NOT_TRUE}"),
            ({"withdrawn": "yes", "reason": "x"}, f'{NOT_TRUE_GIVEN} found "yes": {NOT_TRUE}'),
            ({"change_note": 3}, "change_note must be a string, found int"),
        ],
    )  # fmt: skip
    def test_a_bad_withdrawal_line_is_rejected_with_its_reason(
        self, engine: Engine, write: Write, extra: dict[str, Any], reason: str
    ) -> None:
        report = ingest(engine, [write(A1, line("x", "X", "Body.", **extra))])
        assert (report.added, [r.reason for r in report.rejections]) == (1, [reason])


class TestPurge:
    def test_a_purge_erases_the_text_and_every_version(  # noqa: PLR0917  (fixtures)
        self,
        archive: None,
        client: TestClient,
        engine: Engine,
        write: Write,
        cli_env: str,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        assert pressroom(capsys, "ingest", str(write(A1_CORRECTED)))[0] == 0
        # (FTS5 stores a word whole where it shares no first letter with the one before)
        assert b"quokka" in _fts_data(cli_env, engine)
        status, out, _ = pressroom(capsys, "purge", "a1")
        assert (status, out) == (0, "purged 1 (a1)\n")
        answer = client.get("/v1/press-releases/1")
        assert (answer.status_code, answer.headers["cache-control"]) == (
            410,
            "public, max-age=86400",
        )
        problem = answer.json()
        assert problem.pop("purged_at").endswith("Z")
        assert problem == {
            "type": "about:blank",
            "title": "Gone",
            "status": 410,
            "detail": "The press release '1' was removed from the archive for good.",
            "instance": "/v1/press-releases/1",
        }
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT title, body, lead, content_hash, change_note, state "
                    "FROM press_release WHERE id = 1"
                )
            ).one()
            versions = connection.execute(
                text("SELECT count(*) FROM press_release_version")
            ).scalar()
        assert (tuple(row), versions) == (("", "", "", "", None, "purged"), 0)
        data = _fts_data(cli_env, engine)  # no word of it left in the index
        assert b"quokka" not in data
        assert client.get("/v1/search", params={"q": "agencies"}).json()["total"] == 0
        status, _, err = pressroom(capsys, "restore", "a1")
        assert (status, err) == (
            1,
            "pressroom: 1 (a1) was purged: its text is gone and cannot be restored\n",
        )
        status, out, _ = pressroom(capsys, "purge", "1", "a2")
        assert (status, out) == (0, "1 (a1) is purged already\npurged 2 (a2)\n")
        status, out, _ = pressroom(capsys, "ingest", str(write(A1)))
        assert "left withdrawn 1" in out
        assert client.get("/v1/press-releases/1").status_code == 410


def _fts_data(url: str, engine: Engine) -> bytes:
    """SQLite: the words of the index beside the database and the passage index's segments, as
    stored; PostgreSQL: release 1's index row."""
    if engine.dialect.name == "sqlite":
        with sqlite3.connect(sqlite_path(url)) as db:
            blocks = db.execute("SELECT block FROM press_release_passage_fts_data").fetchall()
        index = " ".join(dictionary(sqlite_path(url))).encode()
        return index + b"".join(bytes(block) for (block,) in blocks)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT search_vector::text FROM press_release_search WHERE id = 1")
        ).scalars()
        return "".join(rows).encode()


class TestCaching:
    def test_etags_change_with_a_correction_or_a_withdrawal_only(
        self, archive: None, client: TestClient, write: Write, capsys: pytest.CaptureFixture[str]
    ) -> None:
        etag = client.get("/v1/press-releases/1").headers["etag"]
        assert (
            pressroom(capsys, "ingest", str(write(A1, A2, line("a9", "Other", "Other news."))))[0]
            == 0
        )
        assert pressroom(capsys, "withdraw", "a2", "--reason", "x")[0] == 0
        unrelated = client.get("/v1/press-releases/1", headers={"If-None-Match": etag})
        assert unrelated.status_code == 304
        assert pressroom(capsys, "ingest", str(write(A1_CORRECTED)))[0] == 0
        corrected = client.get("/v1/press-releases/1", headers={"If-None-Match": etag})
        assert corrected.status_code == 200
        assert corrected.headers["etag"] != etag
        assert pressroom(capsys, "withdraw", "a1", "--reason", "x")[0] == 0
        gone = client.get(
            "/v1/press-releases/1", headers={"If-None-Match": corrected.headers["etag"]}
        )
        assert gone.status_code == 410  # RFC 9110 §13.2.1: a 410 is never a 304
        assert "etag" not in gone.headers
