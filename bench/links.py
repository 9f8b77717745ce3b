"""What links cost a reader: related releases, a search that makes a suggestion, and the detail
(which now lists translations and duplicates), beside a list page and a search for a word as it is
spelt, in-process (the ASGI app called directly, as bench/in_process.py does), interleaved.

    python -m bench.links --db bench/out/bench-100000.db [--rounds 3] [--count 300] \
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Every request is another: related releases of a random release; a search for a word of the index
that 10 to 1,000 releases hold, spelt right (more than 3 found: no suggestion is looked for), and
the same words with one letter changed, left out or swapped (little or nothing found: the
suggestion is looked for); the detail of a random release. p50 and p95 of each request's
own time; the worst round's median is kept, so that a quiet round does not flatter. With
`--postgres`, the same requests on PostgreSQL too (the archive loaded there once, as
bench/postgres_archive.py does: the same releases under the same ids), the ids and words drawn
from the SQLite file.
"""

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.in_process import receive, scope, started_app
from bench.postgres_archive import archive_database
from bench.results import Report
from bench.vocabulary import word_counts


def _misspelt(word: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(word) - 1)
    edit = rng.choice(("delete", "replace", "swap"))
    if edit == "delete":
        return word[:at] + word[at + 1 :]
    if edit == "swap":
        return word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    return word[:at] + rng.choice("aeioukrst") + word[at + 1 :]


async def _measure(db: str, serve: str, rounds: int, count: int) -> dict[str, list[float]]:
    app, lifespan = await started_app(serve)
    statuses: list[int] = []
    bodies: list[bytes] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])
        elif message["type"] == "http.response.body":
            bodies.append(message.get("body", b""))

    with sqlite3.connect(db) as connection:
        ids = [row[0] for row in connection.execute("SELECT id FROM press_release")]
    # words 10 to 1,000 releases hold: found as typed (no suggestion is looked for)
    words = [
        term
        for term, doc in word_counts(Path(db))
        if 6 <= len(term) <= 12 and term.isascii() and term.isalpha() and 10 <= doc <= 1000
    ]
    rng = random.Random(16)
    spelt = rng.sample(words, min(len(words), count * rounds))

    def listed(n: int) -> tuple[str, bytes]:
        return "/v1/press-releases", b"limit=20"

    def detail(n: int) -> tuple[str, bytes]:
        return f"/v1/press-releases/{rng.choice(ids)}", b""

    def related(n: int) -> tuple[str, bytes]:
        return f"/v1/press-releases/{rng.choice(ids)}/related", b"limit=10"

    def right(n: int) -> tuple[str, bytes]:
        return "/v1/search", urlencode({"q": spelt[n]}).encode()

    def misspelt(n: int) -> tuple[str, bytes]:
        return "/v1/search", urlencode({"q": _misspelt(spelt[n], rng)}).encode()

    shapes: dict[str, Callable[[int], tuple[str, bytes]]] = {
        "list page of 20": listed,
        "detail": detail,
        "related, 10": related,
        "search, spelt right": right,
        "search, misspelt (suggests)": misspelt,
    }
    worst: dict[str, list[float]] = {}
    for round_ in range(rounds):
        for name, make in shapes.items():
            requests = [make(round_ * count + n) for n in range(count)]
            took = []
            for path, query in requests:
                start = time.perf_counter()
                await app(scope(path, query), receive, send)
                took.append((time.perf_counter() - start) * 1e3)
            took.sort()
            if name not in worst or statistics.median(took) > statistics.median(worst[name]):
                worst[name] = took
    lifespan.cancel()
    if set(statuses) != {200}:
        raise SystemExit(f"unexpected answers: {sorted(set(statuses))}")
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="bench/out/bench-100000.db")
    parser.add_argument("--archive", type=Path, default=Path("bench/out/archive-100000.jsonl"))
    parser.add_argument("--postgres", help="also on PostgreSQL: a server URL to load it into")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    db = str(Path(args.db).resolve())
    runs = {"SQLite": db}
    if args.postgres:
        runs["PostgreSQL"] = archive_database(args.postgres, [args.archive])
    out = Report("links")
    out(f"{args.count} requests a round, each another; the worst of {args.rounds} rounds")
    for engine, serve in runs.items():
        found = asyncio.run(_measure(db, serve, args.rounds, args.count))
        out()
        out(f"**{engine}**")
        out()
        out("| request | p50 ms | p95 ms |")
        out("|---|---|---|")
        for name, took in found.items():
            p95 = took[int(len(took) * 0.95) - 1]
            out(f"| {name} | {statistics.median(took):.2f} | {p95:.2f} |")
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
