"""JSON Lines input: each bad line rejected with file:line and the reason, the good lines kept."""

import io
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.cli import main
from app.ingest.command import Rejection, ingest
from app.ingest.jsonl_format import parse_line
from app.ingest.normalize import Rejected, Release


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """This module is about SQLite itself (its files, its FTS index, its processes)."""
    return sqlite_url


GOOD = {"id": "a1", "title": "Title", "published_on": "2025-03-06", "body": "One.\n\nTwo."}


def line(**fields: object) -> bytes:
    return json.dumps(GOOD | fields).encode()


def test_a_good_line() -> None:
    release = parse_line(
        line(body="First\nline wraps.\n \nSecond.\n\n\n", source=" MFA ", language="en", url="u")
    )
    assert release == Release(
        external_id="a1",
        title="Title",
        published_on=date(2025, 3, 6),
        paragraphs=("First line wraps.", "Second."),
        source="MFA",
        language="en",
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (
            b"{not json",
            "invalid JSON: Expecting property name enclosed in double quotes at column 2",
        ),
        (b'{"id": "x", "title": "T\xff"}', "invalid UTF-8 at byte 23 of the line"),
        (b"[1, 2]", "expected a JSON object, found list"),
        (b'{"id": "x"}', "missing fields: title, published_on, body"),
        (
            json.dumps({k: v for k, v in GOOD.items() if k != "body"}).encode(),
            "missing field: body",
        ),
        (
            line(colour="red"),
            "unknown field: colour (allowed: id, title, published_on, body, source, language, url, "
            "change_note, reason, translation_of, withdrawn)",
        ),
        (line(title=5), "title must be a string, found int"),
        (line(id="  "), "empty id"),
        (line(title=""), "missing title"),
        (line(published_on="06.03.2025"), "published_on '06.03.2025' is not a YYYY-MM-DD date"),
        (
            line(published_on="2025-02-29"),
            "impossible date 2025-02-29: no such day in the calendar",
        ),
        (line(body="\n \n"), "empty body"),
        (
            line(language="English"),
            "language 'English' is not an ISO 639-1 code such as en, ru or kk",
        ),
        (line(translation_of=7), "translation_of must be a string, found int"),
        (
            line(translation_of=GOOD["id"]),
            f"translation_of names the release itself ({GOOD['id']!r}): give the id of the "
            "release in another language that this one translates",
        ),
    ],
    ids=[
        "invalid-json",
        "invalid-utf8",
        "not-an-object",
        "missing-fields",
        "missing-body",
        "unknown-field",
        "wrong-type",
        "empty-id",
        "empty-title",
        "bad-date",
        "impossible-date",
        "empty-body",
        "bad-language",
        "translation-of-a-number",
        "translation-of-itself",
    ],
)
def test_bad_lines_say_why(raw: bytes, reason: str) -> None:
    with pytest.raises(Rejected) as rejected:
        parse_line(raw)
    assert str(rejected.value) == reason


def test_a_file_keeps_its_good_lines_and_names_its_bad_ones(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                line(id="a"),
                b"",
                b"{broken",
                line(id="b", published_on="2025-13-01"),
                line(id="c"),
                line(id="a"),
            ]
        )
    )
    report = ingest(engine, [path])
    assert report.summary() == "added 2, updated 0, unchanged 0, rejected 3"
    assert [str(r) for r in report.rejections] == [
        f"{path}:3: invalid JSON: Expecting property name enclosed in double quotes at column 2",
        f"{path}:4: impossible date 2025-13-01: no such day in the calendar",
        f"{path}:6: duplicate external id 'a': {path}:1 has it already",
    ]
    assert report.rejections[1] == Rejection(
        str(path), "impossible date 2025-13-01: no such day in the calendar", 4
    )
    with engine.connect() as connection:
        ids = connection.execute(text("SELECT external_id FROM press_release ORDER BY id"))
        assert list(ids.scalars()) == ["a", "c"]


def test_the_run_options_fill_in_what_a_line_does_not_say(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_bytes(line(id="a", source="Own", language="kk") + b"\n" + line(id="b") + b"\n")
    ingest(engine, [path], source="Run", language="ru")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT external_id, source, language FROM press_release ORDER BY id")
        )
        assert [tuple(r) for r in rows] == [("a", "Own", "kk"), ("b", "Run", "ru")]


def test_standard_input_is_read_as_json_lines(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(line(id="x") + b"\n" + b"oops\n"))
    monkeypatch.setattr("sys.stdin", stdin)
    assert main(["ingest", "-"]) == 1
    out, err = capsys.readouterr()
    assert out == "added 1, updated 0, unchanged 0, rejected 1\n"
    assert err == "rejected -:2: invalid JSON: Expecting value at column 1\n"
