"""A change-feed page against a list page, in-process (the ASGI app called directly, as
bench/in_process.py does), interleaved in one process so that both see the same machine.

    python -m bench.change_feed --db bench/out/bench-100000.db [--rounds 5] [--count 2000]

Every request starts at a different place, drawn at random: a list page at the cursor of a random
release (newest first), a change-feed page after a random sequence number. Both with 20 and with
100 items a page. The best round of each is kept.
"""

import argparse
import asyncio
import random
import sqlite3
import sys
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.in_process import receive, scope, started_app
from bench.results import Report


async def _measure(db: str, rounds: int, count: int) -> dict[str, float]:
    from app import cursors  # noqa: PLC0415  (imported here as in_process does)
    from app.queries import DateSort, Filters  # noqa: PLC0415

    app, lifespan = await started_app(db)
    statuses: list[int] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    with sqlite3.connect(db) as connection:
        keys = connection.execute("SELECT published_on, id FROM press_release").fetchall()
        top = connection.execute("SELECT max(seq) FROM press_release_change").fetchone()[0]
    owner = cursors.fingerprint("list", DateSort.NEWEST, Filters())
    rng = random.Random(7)

    def list_query(limit: int) -> bytes:
        cursor = cursors.encode(list(rng.choice(keys)), owner)
        return urlencode({"limit": limit, "cursor": cursor}).encode()

    def changes_query(limit: int) -> bytes:
        since = cursors.encode([rng.randint(0, top - limit)], "changes")
        return urlencode({"limit": limit, "since": since}).encode()

    shapes = {
        "list page of 20": ("/v1/press-releases", list_query, 20),
        "change-feed page of 20": ("/v1/changes", changes_query, 20),
        "list page of 100": ("/v1/press-releases", list_query, 100),
        "change-feed page of 100": ("/v1/changes", changes_query, 100),
    }
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, (path, query, limit) in shapes.items():
            queries = [query(limit) for _ in range(count)]  # made before the clock starts
            start = time.perf_counter()
            for query_string in queries:
                await app(scope(path, query_string), receive, send)
            took = (time.perf_counter() - start) / count * 1e6
            best[name] = min(took, best.get(name, took))
    lifespan.cancel()
    if set(statuses) != {200}:
        raise SystemExit(f"unexpected answers: {sorted(set(statuses))}")
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="bench/out/bench-100000.db")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    best = asyncio.run(_measure(str(Path(args.db).resolve()), args.rounds, args.count))
    out = Report("change-feed")
    out(f"best of {args.rounds} rounds of {args.count} requests, every one at another place")
    out()
    out("| page | list µs | change feed µs | change feed / list |")
    out("|---|---|---|---|")
    for size in (20, 100):
        listed, changes = best[f"list page of {size}"], best[f"change-feed page of {size}"]
        out(f"| {size} a page | {listed:,.1f} | {changes:,.1f} | {changes / listed:.2f} |")
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
