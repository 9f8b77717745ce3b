"""`pressroom ingest`: find the input files, parse each, upsert the valid ones in one transaction,
and report every rejection with its reason."""

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine

from app.ingest.jsonl_format import read_jsonl
from app.ingest.normalize import Rejected, Release
from app.ingest.seed_format import parse_seed
from app.ingest.store import OPTIMIZE_AFTER, Outcome, optimize_index, upsert

SUFFIXES = (".txt", ".jsonl")
STDIN = Path("-")


class UsageError(Exception):
    """The command cannot run at all (a missing path, say); nothing was written."""


@dataclass(frozen=True, slots=True)
class Rejection:
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class Report:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    written: bool = False

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    @property
    def exit_status(self) -> int:
        return 1 if self.rejections else 0

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {len(self.rejections)}"
        )


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


def _read(path: Path) -> Iterator[tuple[int | None, Release | Rejected]]:
    """The releases in one input, with their line numbers where the format has lines."""
    if path == STDIN:
        yield from read_jsonl(sys.stdin.buffer)
    elif path.suffix == ".jsonl":
        with path.open("rb") as lines:
            yield from read_jsonl(lines)
    elif path.suffix == ".txt":
        try:
            yield None, parse_seed(path.read_bytes(), external_id=path.stem)
        except Rejected as rejected:
            yield None, rejected
    else:
        allowed = " or ".join(SUFFIXES)
        yield (
            None,
            Rejected(f"unsupported file type {path.suffix or '(none)'!r}: expected {allowed}"),
        )


def read_releases(
    files: Iterable[Path], report: Report, *, source: str | None, language: str | None
) -> Iterator[Release]:
    """Every valid release of the run; every rejection goes to the report. A release's own source
    and language win over the run's."""
    seen: dict[str, str] = {}
    for path in files:
        try:
            for line, item in _read(path):
                where = str(path) if line is None else f"{path}:{line}"
                if isinstance(item, Rejected):
                    report.rejections.append(Rejection(str(path), str(item), line))
                elif item.external_id in seen:
                    reason = (
                        f"duplicate external id {item.external_id!r}: "
                        f"{seen[item.external_id]} has it already"
                    )
                    report.rejections.append(Rejection(str(path), reason, line))
                else:
                    seen[item.external_id] = where
                    yield replace(
                        item, source=item.source or source, language=item.language or language
                    )
        except OSError as error:
            report.rejections.append(Rejection(str(path), f"cannot read: {error.strerror}"))


def ingest(
    engine: Engine,
    paths: Iterable[Path],
    *,
    source: str | None = None,
    language: str | None = None,
    strict: bool = False,
    dry_run: bool = False,
) -> Report:
    """One transaction for the whole run: it commits only when the run is to be kept, so a crash
    or a kill midway leaves the database as it was."""
    files = find_inputs(paths)
    report = Report()
    with engine.connect() as connection, connection.begin() as transaction:
        for release in read_releases(files, report, source=source, language=language):
            report.count(upsert(connection, release))
        keep = not dry_run and not (strict and report.rejections)
        if keep and report.added + report.updated >= OPTIMIZE_AFTER:
            optimize_index(connection)
        if keep:
            report.written = True
        else:
            transaction.rollback()
    return report
