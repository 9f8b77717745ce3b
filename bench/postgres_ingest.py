"""PostgreSQL ingestion beside a plain bulk load of the same data into the same server, in one run.

    python -m bench.postgres_ingest --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
        [--archive bench/out/archive-100000.jsonl] [--rounds 2]

floor      a child process that reads the JSON Lines, computes the derived columns the simplest
           way, COPYs the releases into the migrated table, then makes every release's search
           row in one statement with PostgreSQL's own `to_tsvector('simple', …)` (title weighted A,
           body B) into the migrated search table, its GIN index in place, and commits: what the
           server itself costs for these rows, with no analysis, no passages, no links
pressroom  `pressroom ingest ARCHIVE` into a fresh migrated database, as a user runs it

Each load goes into a new database made from the same freshly migrated one; rounds alternate.
Issue 17's goal: at least 5,000 releases/s.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.schema_version import upgrade
from bench.results import Report

FLOOR = r"""
import hashlib, json, sys
import psycopg
url, archive = sys.argv[1], sys.argv[2]
with psycopg.connect(url) as connection:
    with connection.cursor() as cursor:
        columns = (
            "external_id, slug, title, published_on, source, language, body, lead, word_count, "
            "content_hash, ingested_at, updated_at"
        )
        with cursor.copy(f"COPY press_release ({columns}) FROM STDIN") as copy:
            with open(archive, "rb") as lines:
                for line in lines:
                    r = json.loads(line)
                    body = r["body"]
                    copy.write_row((
                        r["id"], r["published_on"] + "-" + r["id"], r["title"],
                        r["published_on"], r.get("source"), r.get("language"), body,
                        body.split("\n\n", 1)[0], len(body.split()),
                        hashlib.sha256(line).hexdigest(), "2026-01-01 00:00:00+00",
                        "2026-01-01 00:00:00+00",
                    ))
        cursor.execute(
            "INSERT INTO press_release_search (id, published_on, source, language, search_vector) "
            "SELECT id, published_on, source, language, "
            "setweight(to_tsvector('simple', title), 'A') "
            "|| setweight(to_tsvector('simple', body), 'B') FROM press_release"
        )
"""


def run(command: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of a child process."""
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, help="a server URL (any database on it)")
    parser.add_argument("--archive", type=Path, default=Path("bench/out/archive-100000.jsonl"))
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    lines = sum(1 for _ in args.archive.open("rb"))
    server_url = make_url(args.postgres)
    server = create_engine(server_url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def fresh(name: str, template: str | None = None) -> str:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            like = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{like}'))
        return server_url.set(database=name).render_as_string(hide_password=False)

    template = "pressroom_bench_ingest_template"
    upgrade(fresh(template))
    results: dict[str, list[float]] = {"floor": [], "pressroom": []}
    try:
        for _ in range(args.rounds):
            for kind in ("floor", "pressroom"):
                url = fresh(f"pressroom_bench_ingest_{kind}", template)
                if kind == "floor":
                    plain = url.replace("postgresql+psycopg://", "postgresql://")
                    command = [sys.executable, "-c", FLOOR, plain, str(args.archive)]
                    results[kind].append(run(command))
                else:
                    env = os.environ | {"DATABASE_URL": url}
                    command = [sys.executable, "-m", "app.cli", "ingest", str(args.archive)]
                    results[kind].append(run(command, env))
    finally:
        with server.connect() as connection:
            for name in ("floor", "pressroom", "template"):
                connection.execute(
                    text(f'DROP DATABASE IF EXISTS "pressroom_bench_ingest_{name}" WITH (FORCE)')
                )
        server.dispose()

    floor = statistics.median(results["floor"])
    ours = statistics.median(results["pressroom"])
    out = Report("postgres-ingest")
    out(f"{lines} releases from {args.archive} ({args.archive.stat().st_size / 1e6:.0f} MB)")
    out(f"into PostgreSQL at {server_url.render_as_string()}; {args.rounds} rounds, alternating;")
    out("median wall time")
    out()
    out("| load | wall s | releases/s | ratio to floor |")
    out("|---|---|---|---|")
    for kind, wall in (
        ("floor (COPY + to_tsvector in one INSERT)", floor),
        ("pressroom ingest", ours),
    ):
        out(f"| {kind} | {wall:.1f} | {lines / wall:,.0f} | {wall / floor:.2f} |")
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
