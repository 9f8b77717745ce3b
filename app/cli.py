"""The `pressroom` console script: migrate, ingest, withdraw, restore, purge, reindex, serve."""

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from tqdm import tqdm

from app.codes import LANGUAGE, LANGUAGE_EXAMPLE
from app.config import Settings
from app.db import create_db_engine
from app.ingest.command import UsageError, find_inputs, ingest, input_bytes
from app.ingest.language import LanguageDetector
from app.ingest.lifecycle import change_state
from app.ingest.normalize import clean_line
from app.logs import logging_config
from app.schema_version import current_revision, head_revision, upgrade
from app.search import side_index
from app.search.index import StaleIndex, index_label, reindex, stale

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def _language(value: str) -> str:
    if not LANGUAGE.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not {LANGUAGE_EXAMPLE}")
    return value


def _reason(value: str) -> str:
    reason = clean_line(value)
    if not reason:
        raise argparse.ArgumentTypeError("a reason says why: it cannot be empty")
    return reason


def _megabytes(value: str) -> float:
    try:
        size = float(value)
    except ValueError:
        size = 0
    if not size > 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number of megabytes")
    return size


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pressroom",
        description="Press releases over a JSON API. Configuration comes from the environment "
        "(DATABASE_URL, HOST, PORT, WEB_CONCURRENCY, CORS_ORIGINS, LOG_LEVEL).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    migrate = commands.add_parser("migrate", help="upgrade the database schema")
    migrate.add_argument("--revision", default="head", help="target revision (default: head)")

    commands.add_parser(
        "reindex",
        help="analyse every release again and rebuild the search index",
        description="Rebuild the full-text index with this version's text analyser, in one "
        "transaction (readers keep being served the old index until it commits). `migrate` runs "
        "it when the index was built by another version.",
    )

    ingest_cmd = commands.add_parser(
        "ingest",
        help="load releases from files and directories",
        description="Load releases (seed .txt files and JSON Lines .jsonl files) from files and "
        "directories, recursively; `-` reads JSON Lines from standard input. One transaction: "
        "an interrupted run writes nothing. Exit status: 0 all loaded, 1 something was rejected, "
        "2 usage or I/O error (nothing written).",
    )
    ingest_cmd.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ingest_cmd.add_argument("--source", help="the source to record on every release of this run")
    ingest_cmd.add_argument("--language", type=_language, help="ISO 639-1 code of every release")
    ingest_cmd.add_argument(
        "--strict", action="store_true", help="write nothing when anything is rejected"
    )
    ingest_cmd.add_argument(
        "--dry-run", action="store_true", help="validate and report, writing nothing"
    )
    ingest_cmd.add_argument(
        "--max-size",
        type=_megabytes,
        metavar="MB",
        help="reject a release larger than this many megabytes (default: MAX_RELEASE_MB, 5)",
    )
    ingest_cmd.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: rejections on stderr and a summary line; json: one report on stdout",
    )

    keys = {"nargs": "+", "metavar": "KEY", "help": "a release's id, slug or external id"}
    withdraw = commands.add_parser(
        "withdraw",
        help="take releases out of the archive, keeping them (410 Gone, restorable)",
        description="Withdraw releases: they leave the list, search, facets and feeds, and answer "
        "410 Gone with the reason; their keys stay reserved and `restore` publishes them again. "
        "One transaction; an unknown key is reported (exit status 1) and the others are "
        "withdrawn all the same.",
    )
    withdraw.add_argument("keys", **keys)  # type: ignore[arg-type]
    withdraw.add_argument(
        "--reason",
        required=True,
        type=_reason,
        help="why, as the 410 answer and the feed tell clients",
    )
    restore = commands.add_parser(
        "restore",
        help="publish withdrawn releases again",
        description="Publish withdrawn releases again, as they were when withdrawn.",
    )
    restore.add_argument("keys", **keys)  # type: ignore[arg-type]
    purge = commands.add_parser(
        "purge",
        help="erase releases for good (legal takedowns): only a tombstone remains",
        description="Erase releases' text and every earlier version; the id, slug and external "
        "id remain, answering 410 Gone without content, never given to another release. "
        "Cannot be undone.",
    )
    purge.add_argument("keys", **keys)  # type: ignore[arg-type]

    serve = commands.add_parser("serve", help="serve the API with uvicorn on HOST:PORT")
    serve.add_argument("--migrate", action="store_true", help="migrate the database first")
    serve.add_argument(
        "--ingest",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="ingest PATH before serving; stop if anything in it is rejected (repeatable)",
    )
    return parser


def _not_migrated(engine: Engine, settings: Settings) -> bool:
    """Whether the database is short of the schema this Pressroom writes (said on stderr)."""
    with engine.connect() as connection:
        revision = current_revision(connection)
    expected = head_revision(settings.database_url)
    if revision != expected:
        print(
            f"pressroom: the database is at schema revision {revision or 'none'}, not "
            f"{expected}: run `pressroom migrate` first",
            file=sys.stderr,
        )
    return revision != expected


def _writing(settings: Settings, work: Callable[[Engine], int]) -> int:
    """`work`'s exit status, on an engine of the migrated database; a usage error (exit 2) when
    the database is not migrated, its index is stale, an input cannot be read, or it fails."""
    engine = create_db_engine(settings.database_url)
    try:
        if _not_migrated(engine, settings):
            return EXIT_USAGE
        return work(engine)
    except (UsageError, StaleIndex, side_index.IndexBusy, ValueError) as error:
        print(f"pressroom: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DBAPIError as error:
        print(f"pressroom: the database failed: {error.orig}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        engine.dispose()


def _change_state(settings: Settings, args: argparse.Namespace) -> int:
    """`pressroom withdraw|restore|purge KEY...`"""

    def run(engine: Engine) -> int:
        outcome = change_state(engine, args.command, args.keys, getattr(args, "reason", None))
        for refused in outcome.errors:
            print(f"pressroom: {refused}", file=sys.stderr)
        for line in outcome.done:
            print(line)
        return outcome.exit_status

    return _writing(settings, run)


def _run_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """`pressroom ingest`, its options as parsed."""
    return _writing(settings, lambda engine: _ingest(settings, args, engine))


def _ingest(settings: Settings, args: argparse.Namespace, engine: Engine) -> int:
    files = find_inputs(args.paths)
    detector = LanguageDetector(settings.detect_language_list)
    # A progress bar only for a person watching: never in logs, pipes or CI.
    with tqdm(
        total=input_bytes(files),
        unit="B",
        unit_scale=True,
        desc="ingest",
        disable=not sys.stderr.isatty(),
    ) as bar:
        report = ingest(
            engine,
            files,
            source=args.source,
            language=args.language,
            strict=args.strict,
            dry_run=args.dry_run,
            max_bytes=int((args.max_size or settings.max_release_mb) * 1024 * 1024),
            detect=detector.candidates,
            progress=bar.update,
        )
    if args.format == "json":
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        for rejection in report.rejections:
            print(f"rejected {rejection}", file=sys.stderr)
        for notice in report.notices:
            print(f"note {notice}", file=sys.stderr)
        note = "" if report.written else " (nothing written)"
        print(f"{report.summary()}{note}")
    return report.exit_status


def _reindex(settings: Settings, *, only_if_stale: bool) -> int:
    """Rebuild the search index (only when it was built by another analyser, if so asked)."""
    engine = create_db_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
            why = stale(connection) if revision == head_revision(settings.database_url) else None
            connection.rollback()
            if revision != head_revision(settings.database_url):
                print("pressroom: migrate the database first: `pressroom migrate`", file=sys.stderr)
                return EXIT_USAGE
            if only_if_stale and why is None:
                side_index.bring_in_step(connection)  # made, or caught up, where it is kept
                return EXIT_OK
            if why is not None:
                print(f"pressroom: {why}; reindexing", file=sys.stderr)
            # rebuilt whole, so not brought in step first
            with side_index.writing(connection, catch_up=False) as index_writes:
                with connection.begin():
                    count = reindex(connection)
                side_index.commit(connection, index_writes)
    except DBAPIError as error:
        print(f"pressroom: the database failed: {error.orig}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        engine.dispose()
    label = index_label(engine.dialect.name)
    print(f"reindexed {count} releases with text analyser {label}")
    return EXIT_OK


def _bring_in_step(engine: Engine) -> int:
    with engine.connect() as connection:
        if (changed := side_index.bring_in_step(connection)) is not None:
            print(
                f"pressroom: the search index took {changed} changed releases in", file=sys.stderr
            )
    return EXIT_OK


def _serve(settings: Settings) -> int:
    import uvicorn  # noqa: PLC0415  (only the serve command needs it)

    from app.protocol import ProblemHttpToolsProtocol  # noqa: PLC0415

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.web_concurrency,
        log_level=settings.log_level.lower(),
        # JSON logs in every worker; the app writes the access log (with the request id) and
        # reads forwarded headers itself, from trusted proxies only (FORWARDED_ALLOW_IPS).
        log_config=logging_config(settings.log_level),
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=10,
        http=ProblemHttpToolsProtocol,  # its own 400s as problem documents too
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command == "migrate" or (args.command == "serve" and args.migrate):
        revision = getattr(args, "revision", "head")
        upgrade(settings.database_url, revision)
        if revision == "head" and (status := _reindex(settings, only_if_stale=True)) != EXIT_OK:
            return status
    commands = {
        "reindex": lambda: _reindex(settings, only_if_stale=False),
        "ingest": lambda: _run_ingest(settings, args),
        "withdraw": lambda: _change_state(settings, args),
        "restore": lambda: _change_state(settings, args),
        "purge": lambda: _change_state(settings, args),
    }
    if (command := commands.get(args.command)) is not None:
        return command()
    if args.command == "serve":
        for path in args.ingest:
            # as `pressroom ingest PATH` would, with that command's defaults
            status = _run_ingest(settings, parser.parse_args(["ingest", str(path)]))
            if status != EXIT_OK:
                return status
        # the index beside SQLite holds what a killed writer left out of it, before any worker
        # reads it
        if (status := _writing(settings, _bring_in_step)) != EXIT_OK:
            return status
        return _serve(settings)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
