"""The ingestion guarantees, with real processes: atomic under SIGKILL, readers served during a
run, the schema whole after every kind of run, I/O errors abort, sizes bounded, reports."""

import fcntl
import json
import os
import pty
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.cli import main
from app.ingest.command import Rejection, ingest
from tests.fixtures.releases import SEED, Ingest, WriteSeeds, seed_text
from tests.fixtures.search_index import indexed_words


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """This module is about SQLite itself (its files, its FTS index, its processes)."""
    return sqlite_url


def write_archive(path: Path, count: int, *, start: int = 0) -> Path:
    with path.open("w") as out:
        for i in range(start, start + count):
            body = f"Paragraph {i} about cooperation and transit.\n\nSecond paragraph {i}."
            release = {"id": f"bulk-{i}", "title": f"Bulk {i}", "published_on": "2024-05-01"}
            out.write(json.dumps(release | {"body": body, "language": "en"}) + "\n")
    return path


def database_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def state(url: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The rows and the words of the index (with the releases holding each), after checking that
    the passage index is sound."""
    with sqlite3.connect(database_file(url)) as db:
        db.execute(
            "INSERT INTO press_release_passage_fts(press_release_passage_fts) "
            "VALUES ('integrity-check')"
        )
        rows = db.execute("SELECT id, external_id, content_hash FROM press_release ORDER BY id")
        return rows.fetchall(), [(term, n) for term, n in indexed_words(database_file(url))]


def start_ingest(
    url: str, *paths: Path, stdout: int | None = None, stderr: int | None = None
) -> subprocess.Popen[bytes]:
    env = os.environ | {"DATABASE_URL": url}
    command = [sys.executable, "-m", "app.cli", "ingest", *map(str, paths)]
    return subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr)


def wait_for_writes(url: str, process: subprocess.Popen[bytes]) -> None:
    """Until the run has written (its WAL has grown past a megabyte) while still running."""
    wal = Path(f"{database_file(url)}-wal")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 1_000_000:
            return
        assert process.poll() is None, "the ingest ended before it was caught writing"
        time.sleep(0.01)
    pytest.fail("the ingest never wrote")


def test_a_killed_run_leaves_the_database_as_it_was(
    database_url: str, load: Ingest, tmp_path: Path
) -> None:
    load({"000_58c17a29ac5caa8f": SEED.read_text()})
    before = state(database_url)
    archive = write_archive(tmp_path / "bulk.jsonl", 60_000)
    process = start_ingest(database_url, archive, stdout=subprocess.DEVNULL)
    wait_for_writes(database_url, process)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    assert state(database_url) == before
    assert ("almati", 1) in before[1]


def test_readers_are_served_the_last_committed_state_during_a_run(
    database_url: str, client: TestClient, load: Ingest, tmp_path: Path
) -> None:
    load({"000_58c17a29ac5caa8f": SEED.read_text()})
    archive = write_archive(tmp_path / "bulk.jsonl", 40_000)
    process = start_ingest(database_url, archive, stdout=subprocess.DEVNULL)
    wait_for_writes(database_url, process)
    during = []
    while process.poll() is None:
        listing = client.get("/v1/press-releases?limit=1")
        found = client.get("/v1/search", params={"q": "Almaty"})
        assert (listing.status_code, found.status_code) == (200, 200)
        during.append((listing.json()["total"], found.json()["total"]))
    assert process.wait() == 0
    # the last committed state until the run commits (the process exits a moment later): never a
    # partial one
    before = during.count((1, 1))
    assert before >= 5
    assert during == [(1, 1)] * before + [(40_001, 1)] * (len(during) - before)
    assert client.get("/v1/press-releases?limit=1").json()["total"] == 40_001


@pytest.mark.parametrize(
    "options", [{}, {"dry_run": True}, {"strict": True}], ids=["kept", "dry-run", "strict"]
)
def test_every_kind_of_run_leaves_the_index_whole_and_in_step(
    database_url: str, load: Ingest, options: dict[str, bool]
) -> None:
    load({"a": seed_text("2025-01-01", "Alpha", "Old words.")})
    report = load(
        {
            "a": seed_text("2025-01-01", "Alpha", "New words."),
            "b": "",
            "c": seed_text("2025-01-02", "Charlie", "Delta."),
        },
        **options,
    )
    assert report.summary() == "added 1, updated 1, unchanged 0, rejected 1"
    rows, words = state(database_url)
    assert len(rows) == (1 if options else 2)
    if options:  # nothing written: the index holds the first run's words
        assert words == [("alpha", 1), ("old", 1), ("word", 1)]
    else:  # the updated release's old words are gone, the new ones and the added release's in
        assert words == [("alpha", 1), ("charli", 1), ("delta", 1), ("new", 1), ("word", 1)]


def test_an_input_that_cannot_be_read_aborts_the_run_with_status_2(
    cli_env: str,
    write_seeds: WriteSeeds,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = write_seeds({"a-good": seed_text("2025-01-01", "Good", "Body.")})
    (folder / "b-unreadable.txt").symlink_to("/proc/self/mem")  # reading it fails with EIO
    assert main(["ingest", str(folder)]) == 2
    assert capsys.readouterr().err == (
        f"pressroom: {folder / 'b-unreadable.txt'}: cannot read: Input/output error\n"
    )
    assert state(cli_env)[0] == []


def test_a_release_over_the_size_limit_is_rejected_and_1_mb_is_fine(
    engine: Engine, write_seeds: WriteSeeds, tmp_path: Path
) -> None:
    paragraph = "word " * 100_000  # 500 kB
    folder = write_seeds(
        {
            "one-mb": seed_text("2025-01-01", "One MB", paragraph, paragraph),
            "six-mb": seed_text("2025-01-01", "Six MB", *[paragraph] * 12),
        }
    )
    lines = tmp_path / "lines.jsonl"
    good = {"id": "j1", "title": "T", "published_on": "2025-01-01", "body": "small"}
    huge = good | {"id": "j2", "body": paragraph * 12}
    lines.write_text("\n".join(json.dumps(r) for r in (good, huge, good | {"id": "j3"})) + "\n")
    report = ingest(engine, [folder, lines])
    assert report.summary() == "added 3, updated 0, unchanged 0, rejected 2"
    assert report.rejections == [
        Rejection(
            str(folder / "six-mb.txt"),
            "the file is 5.7 MB, over the 5.0 MB limit (raise it with --max-size)",
        ),
        Rejection(
            str(lines), "the line is 5.7 MB, over the 5.0 MB limit (raise it with --max-size)", 2
        ),
    ]
    report = ingest(engine, [folder], max_bytes=10 * 1024 * 1024)
    assert report.summary() == "added 1, updated 0, unchanged 1, rejected 0"


def test_the_json_report_lists_every_rejection(
    cli_env: str,
    write_seeds: WriteSeeds,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = write_seeds({"bad": "", "good": seed_text("2025-01-01", "T", "B.")})
    lines = tmp_path / "x.jsonl"
    lines.write_text('{"id": 1}\n')
    assert main(["ingest", "--format", "json", str(folder), str(lines)]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out) == {
        "added": 1,
        "updated": 0,
        "unchanged": 0,
        "withdrawn": 0,
        "left_withdrawn": 0,
        "rejected": 2,
        "written": True,
        "rejections": [
            {"path": str(folder / "bad.txt"), "line": None, "reason": "the file is empty"},
            {
                "path": str(lines),
                "line": 1,
                "reason": "missing fields: title, published_on, body",
            },
        ],
        "notices": [],
    }


def read_all(fd: int, process: subprocess.Popen[bytes]) -> bytes:
    output = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the other end closed
                return output
            if not chunk:
                return output
            output += chunk
        elif process.poll() is not None:
            return output


def test_a_progress_bar_shows_on_a_terminal_and_nowhere_else(
    database_url: str, tmp_path: Path
) -> None:
    archive = write_archive(tmp_path / "bulk.jsonl", 5_000)
    primary, secondary = pty.openpty()
    # a terminal of 80 columns (a new pseudo-terminal has none, and the bar would be empty)
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = start_ingest(database_url, archive, stdout=subprocess.PIPE, stderr=secondary)
    os.close(secondary)
    terminal = read_all(primary, process)
    assert process.wait() == 0
    os.close(primary)
    assert b"ingest: 100%" in terminal
    assert process.stdout is not None
    with process.stdout:
        assert process.stdout.read() == b"added 5000, updated 0, unchanged 0, rejected 0\n"

    piped = start_ingest(database_url, archive, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = piped.communicate(timeout=60)
    assert (out, err) == (b"added 0, updated 0, unchanged 5000, rejected 0\n", b"")
