"""`pressroom ingest`: find the input files, parse each, upsert the valid ones in one transaction,
and report every rejection with its reason."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine

from app.ingest.normalize import Release
from app.ingest.seed_format import Rejected, parse_seed
from app.ingest.store import Outcome, upsert

SUFFIXES = (".txt",)


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
    order. A path that does not exist is a usage error: the run has not started."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file()))
        elif path.exists():
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or directory")
    return found


def read_releases(
    files: Iterable[Path], report: Report, *, source: str | None, language: str | None
) -> Iterator[Release]:
    seen: dict[str, Path] = {}
    for path in files:
        try:
            if path.suffix not in SUFFIXES:
                raise Rejected(f"unsupported file type {path.suffix or '(none)'!r}: expected .txt")
            external_id = path.stem
            if external_id in seen:
                raise Rejected(
                    f"duplicate external id {external_id!r}: {seen[external_id]} has it already"
                )
            release = parse_seed(path.read_bytes(), external_id=external_id)
        except Rejected as rejected:
            report.rejections.append(Rejection(str(path), str(rejected)))
            continue
        except OSError as error:
            report.rejections.append(Rejection(str(path), f"cannot read: {error.strerror}"))
            continue
        seen[external_id] = path
        yield replace(release, source=source, language=language)


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
        if dry_run or (strict and report.rejections):
            transaction.rollback()
        else:
            report.written = True
    return report
