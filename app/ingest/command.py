"""`pressroom ingest`: find the inputs, read and validate every release, upsert the valid ones in
batches inside one transaction, and report every rejection with its reason.

One transaction per run is the atomicity guarantee: a crash or a kill midway leaves the database
as it was. The full-text index agrees with the table: written in the same transaction on
PostgreSQL (app/search/index.py); on SQLite the index beside the file is written as the run goes
and committed right after the database, and a kill between the two commits is made good by the
next writer or start (app/search/side_index.py). Readers are not blocked meanwhile: SQLite runs in
WAL mode, where readers see the last committed state while a writer works.
"""

import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, Engine

from app.ingest.analysis import IN_FLIGHT, Analysis, Pending, collecting_seldom
from app.ingest.jsonl_format import read_jsonl
from app.ingest.language import DEFAULT_CANDIDATES, LanguageDetector
from app.ingest.normalize import Rejected, Release
from app.ingest.seed_format import parse_seed
from app.ingest.store import (
    OPTIMIZE_AFTER,
    Outcome,
    Run,
    begin_run,
    end_run,
    optimize_index,
    upsert_batch,
)
from app.search import side_index

SUFFIXES = (".txt", ".jsonl")
STDIN = Path("-")
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
BATCH_SIZE = 2000  # releases per batch: ~4 MB of text (IN_FLIGHT batches held at a time)

LEFT_WITHDRAWN = (
    "release {key!r} is withdrawn or purged: left as it is, its content unchanged "
    "(`pressroom restore {key}` publishes a withdrawn release again)"
)

Progress = Callable[[int], object]  # told how many more input bytes have been read


class UsageError(Exception):
    """The run cannot start (a missing path, say), or an input could not be read midway; either
    way nothing was written."""


def location(path: str, line: int | None) -> str:
    """Where an input was read: `file`, or `file:line` for a format that has lines."""
    return path if line is None else f"{path}:{line}"


@dataclass(frozen=True, slots=True)
class Rejection:
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{location(self.path, self.line)}: {self.reason}"


@dataclass(slots=True)
class Report:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    left_withdrawn: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    # the releases the run left withdrawn (or purged), which an operator may mean to restore
    notices: list[Rejection] = field(default_factory=list)
    written: bool = False

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    @property
    def exit_status(self) -> int:
        return 1 if self.rejections else 0

    def summary(self) -> str:
        taken_back = ""
        if self.withdrawn or self.left_withdrawn:
            taken_back = f", withdrawn {self.withdrawn}, left withdrawn {self.left_withdrawn}"
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}"
            f"{taken_back}, rejected {len(self.rejections)}"
        )

    def as_json(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "withdrawn": self.withdrawn,
            "left_withdrawn": self.left_withdrawn,
            "rejected": len(self.rejections),
            "written": self.written,
            "rejections": [
                {"path": r.path, "line": r.line, "reason": r.reason} for r in self.rejections
            ],
            "notices": [{"path": r.path, "line": r.line, "notice": r.reason} for r in self.notices],
        }


@dataclass(frozen=True, slots=True)
class Located:
    """A valid release and where it was read."""

    path: str
    line: int | None
    release: Release

    @property
    def where(self) -> str:
        return location(self.path, self.line)


def find_inputs(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and the supported files anywhere below a named directory, in a stable
    order; `-` is JSON Lines on standard input. A path that does not exist is a usage error: the
    run has not started."""
    found: list[Path] = []
    for path in paths:
        if path == STDIN or (path.exists() and not path.is_dir()):
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file()))
        else:
            raise UsageError(f"{path}: no such file or directory")
    return found


def input_bytes(files: Iterable[Path]) -> int | None:
    """The size of all inputs, for a progress bar; None when standard input is one of them."""
    files = list(files)
    return None if STDIN in files else sum(path.stat().st_size for path in files)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _read(
    path: Path, max_bytes: int, progress: Progress
) -> Iterator[tuple[int | None, Release | Rejected]]:
    """The releases in one input, with their line numbers where the format has lines."""
    if path == STDIN:
        yield from read_jsonl(_bounded_lines(sys.stdin.buffer, max_bytes, progress))
    elif path.suffix == ".jsonl":
        with path.open("rb") as stream:
            yield from read_jsonl(_bounded_lines(stream, max_bytes, progress))
    elif path.suffix == ".txt":
        size = path.stat().st_size
        if size > max_bytes:
            too_big = f"the file is {_megabytes(size)}, over the {_megabytes(max_bytes)} limit"
            yield None, Rejected(f"{too_big} (raise it with --max-size)")
        else:
            data = path.read_bytes()
            try:
                yield None, parse_seed(data, external_id=path.stem)
            except Rejected as rejected:
                yield None, rejected
        progress(size)
    else:
        allowed = " or ".join(SUFFIXES)
        yield (
            None,
            Rejected(f"unsupported file type {path.suffix or '(none)'!r}: expected {allowed}"),
        )


def _bounded_lines(
    stream: BinaryIO, max_bytes: int, progress: Progress
) -> Iterator[bytes | Rejected]:
    """The stream's lines. A line over `max_bytes` is rejected, and skipped a megabyte at a time
    without ever being held in memory whole: memory stays flat whatever the input."""
    while line := stream.readline(max_bytes + 1):
        progress(len(line))
        if len(line) <= max_bytes or line.endswith(b"\n"):
            yield line
            continue
        size = len(line)
        while rest := stream.readline(1 << 20):
            size += len(rest)
            progress(len(rest))
            if rest.endswith(b"\n"):
                break
        too_big = f"the line is {_megabytes(size)}, over the {_megabytes(max_bytes)} limit"
        yield Rejected(f"{too_big} (raise it with --max-size)")


def read_releases(
    files: Iterable[Path],
    report: Report,
    *,
    source: str | None,
    language: str | None,
    detector: LanguageDetector,
    max_bytes: int,
    progress: Progress,
) -> Iterator["Located"]:
    """Every valid release of the run with where it came from; every rejection goes to the
    report. A release's own source and language win over the run's; a release with neither gets
    the language detected from its text."""
    for path in files:
        try:
            for line, item in _read(path, max_bytes, progress):
                if isinstance(item, Rejected):
                    report.rejections.append(Rejection(str(path), str(item), line))
                    continue
                release = replace(
                    item, source=item.source or source, language=item.language or language
                )
                if release.language is None:
                    release = replace(release, language=detector.detect(release))
                yield Located(str(path), line, release)
        except OSError as error:
            raise UsageError(f"{path}: cannot read: {error.strerror or error}") from error


def ingest(
    engine: Engine,
    paths: Iterable[Path],
    *,
    source: str | None = None,
    language: str | None = None,
    strict: bool = False,
    dry_run: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    detect: Sequence[str] = DEFAULT_CANDIDATES,
    progress: Progress = lambda _bytes: None,
) -> Report:
    """Load the releases in `paths` in one transaction, which commits only when the run is to be
    kept (not a dry run; with `strict`, nothing rejected)."""
    files = find_inputs(paths)
    report = Report()
    releases = read_releases(
        files,
        report,
        source=source,
        language=language,
        detector=LanguageDetector(detect),
        max_bytes=max_bytes,
        progress=progress,
    )
    with engine.connect() as connection, side_index.writing(connection) as index_writes:
        _run(
            connection,
            releases,
            report,
            keep=lambda: not dry_run and not (strict and report.rejections),
        )
        if report.written:
            side_index.commit(connection, index_writes)
    report.rejections.sort(key=_input_order(files))
    return report


def _run(
    connection: Connection, releases: Iterable[Located], report: Report, keep: Callable[[], bool]
) -> None:
    """The run's transaction: every batch stored, committed when `keep()` says so."""
    with (
        collecting_seldom(),
        connection.begin() as transaction,
        Analysis(connection.dialect.name, BATCH_SIZE) as analysis,
    ):
        run = begin_run(connection)
        # each batch is analysed (in the background) while the ones before it are stored
        waiting: deque[tuple[list[Located], Pending]] = deque()
        for batch in _batches(releases):
            waiting.append((batch, analysis.submit([item.release for item in batch])))
            if len(waiting) == IN_FLIGHT:
                _store(connection, run, *waiting.popleft(), report)
        while waiting:
            _store(connection, run, *waiting.popleft(), report)
        end_run(connection, run)
        kept = keep()
        if kept and report.added + report.updated >= OPTIMIZE_AFTER:
            optimize_index(connection)
        if kept:
            report.written = True
        else:
            transaction.rollback()


def _batches(releases: Iterable[Located]) -> Iterator[list[Located]]:
    batch: list[Located] = []
    for item in releases:
        batch.append(item)
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _store(
    connection: Connection, run: Run, batch: list[Located], analysed: Pending, report: Report
) -> None:
    located = [(item.where, item.release) for item in batch]
    results = upsert_batch(connection, run, located, analysed())
    for item, result in zip(batch, results, strict=True):
        if isinstance(result, Outcome):
            report.count(result)
            if result is Outcome.LEFT_WITHDRAWN:
                key = item.release.external_id
                notice = LEFT_WITHDRAWN.format(key=key)
                report.notices.append(Rejection(item.path, notice, item.line))
        else:
            report.rejections.append(Rejection(item.path, result, item.line))


def _input_order(files: list[Path]) -> Callable[[Rejection], tuple[int, int]]:
    """Rejections in the order of the inputs (duplicates are found a batch later than the
    reading rejections around them)."""
    position = {str(path): i for i, path in enumerate(files)}
    return lambda r: (position.get(r.path, len(position)), r.line or 0)
