"""Ingestion speed and peak memory beside a plain sqlite3 bulk load of the same data, in one run.

    python -m bench.ingest_speed --archive bench/out/archive-100000.jsonl [--rounds 2]

floor      a child process that reads the JSON Lines, computes the derived columns the simplest
           way, inserts with sqlite3's executemany into the migrated table, then indexes the
           titles and bodies as they are (no analysis) in one statement into an FTS5 table like
           the one Pressroom searched before its index moved beside the file (contentless,
           split on spaces), and commits
pressroom  `pressroom ingest ARCHIVE` into a fresh migrated database, as a user runs it

Both start from a copy of the same freshly migrated database file; rounds alternate. Peak memory is
each child's maximum resident set size. Goal: at most 2 x the floor's time, and under
300 MB of memory.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.schema_version import upgrade
from bench.results import Report

FLOOR = r"""
import hashlib, json, sqlite3, sys
db, archive = sys.argv[1], sys.argv[2]
connection = sqlite3.connect(db, isolation_level=None)
connection.execute("PRAGMA journal_mode = WAL")
connection.execute("PRAGMA synchronous = NORMAL")
connection.execute(
    "CREATE VIRTUAL TABLE floor_fts USING fts5(title, body, content='', tokenize='ascii')"
)
connection.execute("BEGIN IMMEDIATE")

def rows():
    with open(archive, "rb") as lines:
        for line in lines:
            r = json.loads(line)
            body = r["body"]
            yield (
                r["id"], r["published_on"] + "-" + r["id"], r["title"], r["published_on"],
                r.get("source"), r.get("language"), body, body.split("\n\n", 1)[0],
                len(body.split()), hashlib.sha256(line).hexdigest(),
                "2026-01-01 00:00:00", "2026-01-01 00:00:00",
            )

connection.executemany(
    "INSERT INTO press_release (external_id, slug, title, published_on, source, language, body, "
    "lead, word_count, content_hash, ingested_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    rows(),
)
connection.execute(
    "INSERT INTO floor_fts(rowid, title, body) SELECT id, title, body FROM press_release"
)
connection.execute("COMMIT")
"""


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident MB of a child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command} failed with {status}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=Path("bench/out/archive-100000.jsonl"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--keep", type=Path, help="keep the last round's Pressroom database (and its index) here"
    )
    args = parser.parse_args()
    lines = sum(1 for _ in args.archive.open("rb"))

    with tempfile.TemporaryDirectory(dir="bench/out") as work:
        template = Path(work) / "template.db"
        upgrade(f"sqlite:///{template}")
        results: dict[str, list[tuple[float, float]]] = {"floor": [], "pressroom": []}
        for _ in range(args.rounds):
            for kind in ("floor", "pressroom"):
                db = Path(work) / f"{kind}.db"
                shutil.copyfile(template, db)
                if kind == "floor":
                    command = [sys.executable, "-c", FLOOR, str(db), str(args.archive)]
                    results[kind].append(run(command))
                else:
                    env = os.environ | {"DATABASE_URL": f"sqlite:///{db}"}
                    command = [sys.executable, "-m", "app.cli", "ingest", str(args.archive)]
                    results[kind].append(run(command, env))
                    if args.keep is not None:
                        shutil.rmtree(f"{args.keep}-index", ignore_errors=True)
                        shutil.move(f"{db}-index", f"{args.keep}-index")
                        shutil.move(db, args.keep)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
                shutil.rmtree(f"{db}-index", ignore_errors=True)  # the search index beside it

    floor = statistics.median(t for t, _ in results["floor"])
    ours = statistics.median(t for t, _ in results["pressroom"])
    out = Report("ingest-speed")
    out(f"{lines} releases from {args.archive} ({args.archive.stat().st_size / 1e6:.0f} MB)")
    out(f"{args.rounds} rounds, alternating; median wall time, highest peak RSS")
    out()
    out("| load | wall s | releases/s | peak RSS MB | ratio to floor |")
    out("|---|---|---|---|---|")
    for kind, wall in (
        ("floor (sqlite3 executemany + FTS rebuild)", floor),
        ("pressroom ingest", ours),
    ):
        key = "floor" if kind.startswith("floor") else "pressroom"
        peak = max(m for _, m in results[key])
        out(f"| {kind} | {wall:.1f} | {lines / wall:,.0f} | {peak:.0f} | {wall / floor:.2f} |")
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
