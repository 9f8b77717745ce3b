"""The 100,000-release archive on PostgreSQL beside SQLite: ingestion time and peak memory, then
the search benchmark's queries, in one run.

    python -m bench.engines --archive bench/out/archive-100000.jsonl \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres [--rounds 20]

Each engine gets a fresh database (PostgreSQL: a new database on that server, dropped at the end),
migrated, then loaded by `pressroom ingest` in a child process. The searches run in-process on a
read connection of each engine, interleaved round by round, through the same search() the API uses.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.db import create_db_engine
from app.reader import Reader
from app.schema_version import upgrade
from app.search import SearchRequest, search
from app.search.grammar import parse
from bench.ingest_speed import run
from bench.results import Report
from bench.search_latency import QUERIES


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=Path("bench/out/archive-100000.jsonl"))
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    server = create_engine(
        make_url(args.postgres).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    name = f"pressroom_bench_{uuid.uuid4().hex[:8]}"
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    postgres_url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory(dir="bench/out") as work:
            urls = {"sqlite": f"sqlite:///{Path(work) / 'engines.db'}", "postgresql": postgres_url}
            loads = {}
            for engine_name, url in urls.items():
                upgrade(url)
                command = [sys.executable, "-m", "app.cli", "ingest", str(args.archive)]
                loads[engine_name] = run(command, os.environ | {"DATABASE_URL": url})
            # fresh statistics for the planner after the bulk load, as autovacuum would give it
            with create_engine(postgres_url, isolation_level="AUTOCOMMIT").connect() as c:
                c.execute(text("VACUUM ANALYZE press_release"))
            latencies = measure(urls, args.rounds)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    out = Report("engines")
    out(f"{args.archive} ({args.archive.stat().st_size / 1e6:.0f} MB)")
    out()
    out("| engine | ingest wall s | releases/s | peak RSS MB |")
    out("|---|---|---|---|")
    lines = sum(1 for _ in args.archive.open("rb"))
    for engine_name, (wall, peak) in loads.items():
        out(f"| {engine_name} | {wall:.1f} | {lines / wall:,.0f} | {peak:.0f} |")
    out()
    out(f"Search, in-process, {args.rounds} rounds, p50 (p95) ms")
    out()
    out("| query | q | sqlite total | sqlite | postgresql total | postgresql |")
    out("|---|---|---|---|---|---|")
    for query_name, q in QUERIES.items():
        cells = []
        for engine_name in urls:
            total, samples = latencies[(query_name, engine_name)]
            p95 = statistics.quantiles(samples, n=20)[-1]
            cells.append(f"{total} | {statistics.median(samples):.1f} ({p95:.1f})")
        out(f"| {query_name} | `{q}` | {' | '.join(cells)} |")
    out.write()
    return 0


def measure(urls: dict[str, str], rounds: int) -> dict[tuple[str, str], tuple[int, list[float]]]:
    engines = {name: create_db_engine(url, read_only=True) for name, url in urls.items()}
    readers = {
        name: Reader(engine, pool_size=1, timeout_seconds=60) for name, engine in engines.items()
    }
    results: dict[tuple[str, str], tuple[int, list[float]]] = {}
    for round_ in range(rounds + 3):  # 3 warm-up rounds
        for query_name, q in QUERIES.items():
            for engine_name, reader in readers.items():
                start = time.perf_counter()
                wanted = SearchRequest(parse(q), limit=20)
                found = reader.run(lambda snapshot: search(snapshot, wanted))  # noqa: B023
                elapsed = (time.perf_counter() - start) * 1000
                if round_ >= 3:
                    _, samples = results.setdefault((query_name, engine_name), (found.total, []))
                    samples.append(elapsed)
    for engine in engines.values():
        engine.dispose()
    return results


if __name__ == "__main__":
    sys.exit(main())
