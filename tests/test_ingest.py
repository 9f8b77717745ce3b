"""`pressroom ingest`: upsert by external id in one transaction, every rejection reported."""

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.cli import main
from app.db import create_db_engine
from app.ingest import command
from app.ingest.command import Rejection, UsageError, ingest
from tests.fixtures.releases import SEED, SEED_TITLE, Ingest, WriteSeeds, seed_text
from tests.fixtures.search_index import index_match


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """This module is about SQLite itself (its files, its FTS index, its processes)."""
    return sqlite_url


ROWS = "SELECT external_id, slug, title, published_on, lead, source, language FROM press_release"


def rows(engine: Engine, sql: str = ROWS + " ORDER BY id") -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_the_seed_directory_loads_the_seed(engine: Engine) -> None:
    report = ingest(engine, [SEED.parent])
    assert report.summary() == "added 1, updated 0, unchanged 0, rejected 0"
    assert rows(engine) == [
        (
            "000_58c17a29ac5caa8f",
            "2025-03-06-initiative-of-the-president-of-kazakhstan-to-establish-a-un-center-in-almaty-was",
            SEED_TITLE,
            "2025-03-06",
            SEED.read_text().splitlines()[1],
            None,
            "en",  # detected
        )
    ]


def test_a_second_run_changes_nothing(engine: Engine) -> None:
    ingest(engine, [SEED.parent])
    stamps = "SELECT id, ingested_at, updated_at, content_hash FROM press_release"
    before = rows(engine, stamps)
    report = ingest(engine, [SEED.parent])
    assert report.summary() == "added 0, updated 0, unchanged 1, rejected 0"
    assert rows(engine, stamps) == before
    assert index_match(engine, "almaty") == [1]


def test_an_edited_release_is_updated_in_place(engine: Engine, load: Ingest) -> None:
    load({"r1": seed_text("2025-01-02", "Old title", "Zebra paragraph.")})
    stamps = "SELECT id, slug, ingested_at, updated_at FROM press_release"
    [(id_, slug, ingested, updated)] = rows(engine, stamps)
    report = load({"r1": seed_text("2025-01-02", "New title", "Yak paragraph.")})
    assert report.summary() == "added 0, updated 1, unchanged 0, rejected 0"
    [(new_id, new_slug, new_ingested, new_updated)] = rows(engine, stamps)
    assert (new_id, new_slug, new_ingested) == (id_, slug, ingested)
    assert str(new_updated) > str(updated)
    assert rows(engine, "SELECT title, body FROM press_release") == [
        ("New title", "Yak paragraph.")
    ]
    assert (index_match(engine, "zebra"), index_match(engine, "yak")) == ([], [1])


def test_good_files_are_kept_and_bad_ones_reported(engine: Engine, write_seeds: WriteSeeds) -> None:
    folder = write_seeds(
        {
            "a-good": seed_text("2025-01-01", "Good one", "Body."),
            "b-bad": "date 2025-02-30 Bad date\nBody.\n",
            "c-empty": "",
            "d-good": seed_text("2025-01-03", "Good two", "Body."),
        }
    )
    report = ingest(engine, [folder])
    assert report.summary() == "added 2, updated 0, unchanged 0, rejected 2"
    assert report.rejections == [
        Rejection(
            str(folder / "b-bad.txt"), "impossible date 2025-02-30: no such day in the calendar"
        ),
        Rejection(str(folder / "c-empty.txt"), "the file is empty"),
    ]
    assert report.exit_status == 1
    assert [r[0] for r in rows(engine)] == ["a-good", "d-good"]


def test_strict_writes_nothing_when_anything_is_rejected(engine: Engine, load: Ingest) -> None:
    report = load({"good": seed_text("2025-01-01", "Good", "Body."), "bad": ""}, strict=True)
    assert report.summary() == "added 1, updated 0, unchanged 0, rejected 1"
    assert report.written is False
    assert rows(engine) == []


def test_dry_run_reports_what_would_happen_and_writes_nothing(engine: Engine, load: Ingest) -> None:
    load({"old": seed_text("2025-01-01", "Old", "Body.")})
    report = load(
        {
            "old": seed_text("2025-01-01", "Old", "Edited."),
            "new": seed_text("2025-01-02", "N", "B."),
        },
        dry_run=True,
    )
    assert report.summary() == "added 1, updated 1, unchanged 0, rejected 0"
    assert rows(engine, "SELECT external_id, body FROM press_release") == [("old", "Body.")]


def test_the_same_stem_twice_in_one_run_is_rejected(
    engine: Engine, write_seeds: WriteSeeds
) -> None:
    first = write_seeds({"same": seed_text("2025-01-01", "First", "Body.")})
    second = write_seeds({"same": seed_text("2025-01-01", "Second", "Body.")})
    report = ingest(engine, [first, second])
    assert report.rejections == [
        Rejection(
            str(second / "same.txt"),
            f"duplicate external id 'same': {first / 'same.txt'} has it already",
        )
    ]
    assert rows(engine, "SELECT title FROM press_release") == [("First",)]


def test_releases_sharing_title_and_date_get_distinct_stable_slugs(
    engine: Engine, load: Ingest
) -> None:
    files = {
        "a": seed_text("2025-01-01", "Briefing", "One."),
        "b": seed_text("2025-01-01", "Briefing", "Two."),
    }
    load(files)
    load(files)
    assert rows(engine, "SELECT external_id, slug FROM press_release ORDER BY id") == [
        ("a", "2025-01-01-briefing"),
        ("b", "2025-01-01-briefing-3e23e816"),
    ]


def test_directories_are_read_recursively_and_only_txt_files_in_them(
    engine: Engine, tmp_path: Path
) -> None:
    nested = tmp_path / "archive" / "2025" / "march"
    nested.mkdir(parents=True)
    shutil.copy(SEED, nested)
    (nested / "notes.md").write_text("not a release")
    report = ingest(engine, [tmp_path / "archive"])
    assert report.summary() == "added 1, updated 0, unchanged 0, rejected 0"


def test_a_named_file_of_another_type_is_rejected(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "release.pdf"
    path.write_bytes(b"%PDF")
    report = ingest(engine, [path])
    assert report.rejections == [
        Rejection(str(path), "unsupported file type '.pdf': expected .txt or .jsonl")
    ]


def test_a_missing_path_is_a_usage_error_before_anything_is_written(
    engine: Engine, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="no-such-dir: no such file or directory"):
        ingest(engine, [SEED.parent, tmp_path / "no-such-dir"])
    assert rows(engine) == []


def test_source_and_language_options_are_stored(engine: Engine, load: Ingest) -> None:
    load({"r": seed_text("2025-01-01", "T", "B.")}, source="MFA Kazakhstan", language="en")
    assert rows(engine, "SELECT source, language FROM press_release") == [("MFA Kazakhstan", "en")]


class TestCommandLine:
    def test_prints_the_summary_and_exits_0(
        self, cli_env: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["ingest", str(SEED.parent)]) == 0
        assert capsys.readouterr().out == "added 1, updated 0, unchanged 0, rejected 0\n"
        assert main(["ingest", str(SEED)]) == 0
        assert capsys.readouterr().out == "added 0, updated 0, unchanged 1, rejected 0\n"

    def test_names_each_rejected_file_and_exits_1(
        self, cli_env: str, write_seeds: WriteSeeds, capsys: pytest.CaptureFixture[str]
    ) -> None:
        folder = write_seeds(
            {"bad": "date 2025-03-06\nBody\n", "good": seed_text("2025-01-01", "T", "B")}
        )
        assert main(["ingest", str(folder)]) == 1
        out, err = capsys.readouterr()
        assert out == "added 1, updated 0, unchanged 0, rejected 1\n"
        assert err == (
            f"rejected {folder / 'bad.txt'}: missing title: "
            "the first line must be 'date YYYY-MM-DD Title'\n"
        )

    def test_strict_says_nothing_was_written(
        self, cli_env: str, write_seeds: WriteSeeds, capsys: pytest.CaptureFixture[str]
    ) -> None:
        folder = write_seeds({"bad": "", "good": seed_text("2025-01-01", "T", "B")})
        assert main(["ingest", "--strict", str(folder)]) == 1
        assert capsys.readouterr().out == (
            "added 1, updated 0, unchanged 0, rejected 1 (nothing written)\n"
        )

    def test_a_missing_path_exits_2(
        self, cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert main(["ingest", str(tmp_path / "nope")]) == 2
        assert (
            capsys.readouterr().err
            == f"pressroom: {tmp_path / 'nope'}: no such file or directory\n"
        )

    def test_an_unmigrated_database_exits_2(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
        assert main(["ingest", str(SEED)]) == 2
        assert capsys.readouterr().err == (
            "pressroom: the database is at schema revision none, not 0007: "
            "run `pressroom migrate` first\n"
        )

    def test_a_bad_language_code_is_a_usage_error(
        self, cli_env: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with pytest.raises(SystemExit) as exit_:
            main(["ingest", "--language", "english", str(SEED)])
        assert exit_.value.code == 2
        assert "'english' is not an ISO 639-1 code such as en, ru or kk" in capsys.readouterr().err

    def test_migrate_creates_the_schema(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        url = f"sqlite:///{tmp_path / 'new' / 'p.db'}"
        monkeypatch.setenv("DATABASE_URL", url)
        assert main(["migrate"]) == 0
        assert main(["ingest", str(SEED)]) == 0


def test_a_bulk_load_leaves_the_index_merged(
    template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # long releases: each body is cut into passages, which the passage index holds
    long = " ".join(f"w{n}" for n in range(3000))
    lines = "".join(
        json.dumps({"id": f"r{i}", "title": f"T{i}", "published_on": "2025-01-01", "body": long})
        + "\n"
        for i in range(1000)
    )
    (tmp_path / "bulk.jsonl").write_text(lines)

    def load(name: str) -> int:
        path = tmp_path / name
        shutil.copyfile(template_db, path)
        engine = create_db_engine(f"sqlite:///{path}")
        assert ingest(engine, [tmp_path / "bulk.jsonl"]).added == 1000
        with engine.connect() as connection:
            connection.exec_driver_sql(
                "INSERT INTO press_release_passage_fts(press_release_passage_fts) "
                "VALUES ('integrity-check')"
            )
            pages: int = connection.exec_driver_sql(
                "SELECT count(*) FROM press_release_passage_fts_data"
            ).scalar_one()
        engine.dispose()
        return pages

    monkeypatch.setattr(command, "BATCH_SIZE", 100)  # ten batches: ten segments to merge
    merged = load("merged.db")
    monkeypatch.setattr(command, "OPTIMIZE_AFTER", 10**9)
    assert merged < load("unmerged.db")


class TestOptions:
    def test_max_size_raises_the_limit(
        self, cli_env: str, write_seeds: WriteSeeds, capsys: pytest.CaptureFixture[str]
    ) -> None:
        folder = write_seeds({"big": seed_text("2025-01-01", "Big", "word " * 300_000)})
        assert main(["ingest", "--max-size", "1", str(folder)]) == 1
        assert "the file is 1.4 MB, over the 1.0 MB limit" in capsys.readouterr().err
        assert main(["ingest", "--max-size", "1.5", str(folder)]) == 0

    @pytest.mark.parametrize("value", ["0", "-1", "five"])
    def test_max_size_must_be_a_positive_number(
        self, cli_env: str, value: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with pytest.raises(SystemExit) as exit_:
            main(["ingest", "--max-size", value, str(SEED)])
        assert exit_.value.code == 2
        assert f"{value!r} is not a positive number of megabytes" in capsys.readouterr().err

    def test_an_unknown_detection_language_exits_2_and_writes_nothing(
        self,
        cli_env: str,
        engine: Engine,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        monkeypatch.setenv("DETECT_LANGUAGES", "en,xx")
        assert main(["ingest", str(SEED)]) == 2
        assert capsys.readouterr().err.startswith(
            "pressroom: language detection knows no xx; choose among: ace af am"
        )
        assert rows(engine) == []


def test_the_analysis_worker_stores_what_the_writer_would(
    template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The word count, content hash and bands a batch's worker process computes (app/ingest/
    analysis.py) are what the writer computes for a run too small for one."""
    bodies = [
        "Well-being – for all & more, said the minister.",
        "İstanbul and Алматы signed 12 agreements — «жаңа» кезең.",
        " ".join(f"word{i % 17} and the {i} other" for i in range(40)),
    ]
    lines = "".join(
        json.dumps(
            {
                "id": f"r{i}",
                "title": f"Title {i}",
                "published_on": f"2025-01-{1 + i % 28:02d}",
                "source": "MFA" if i % 2 else None,
                "body": f"{bodies[i % 3]} Number {i}.",
            }
        )
        + "\n"
        for i in range(30)
    )
    (tmp_path / "run.jsonl").write_text(lines)
    monkeypatch.setattr(command, "BATCH_SIZE", 10)

    def load(name: str, background: bool) -> list[tuple[object, ...]]:
        monkeypatch.setattr("app.ingest.analysis.available_cpus", lambda: 2 if background else 1)
        path = tmp_path / name
        shutil.copyfile(template_db, path)
        engine = create_db_engine(f"sqlite:///{path}")
        assert ingest(engine, [tmp_path / "run.jsonl"]).added == 30
        with engine.connect() as connection:
            stored = connection.execute(
                text(
                    "SELECT r.external_id, r.word_count, r.content_hash, "
                    "(SELECT group_concat(b.band) FROM (SELECT band FROM press_release_band "
                    "WHERE release_id = r.id ORDER BY band) AS b) FROM press_release AS r "
                    "ORDER BY r.external_id"
                )
            ).all()
        engine.dispose()
        return [tuple(row) for row in stored]

    in_process, worker = load("in-process.db", False), load("worker.db", True)
    assert worker == in_process
    counts = {row[0]: row[1] for row in worker}
    assert (counts["r0"], counts["r1"], counts["r2"]) == (9, 10, 202)
    assert sum(row[3] is not None for row in worker) == 10  # only the long bodies are banded
