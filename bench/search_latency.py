"""Single-client search latency, ranked by relevance, beside SQLite's own floor, in one run.

    python -m bench.search_latency --db bench/out/bench-100000.db [--rounds 30]

For each query, three measurements are interleaved round by round, so that the machine's noise
falls on all three alike:
  floor       the top 20 ids by bm25 from the search index alone (the index beside the SQLite
              file, app/search/side_index.py), then their 20 bodies (sqlite3)
  in-process  Pressroom's search (count, ranking, snippets, summaries) on one connection
  http        GET /v1/search?q=…&limit=20 on a running `pressroom serve` (1 worker, keep-alive)
Goal: every query within 1.5 x floor + 2 ms.
"""

import argparse
import http.client
import sqlite3
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.db import create_db_engine
from app.reader import Reader
from app.search import SearchRequest, search, side_index
from app.search.grammar import parse
from app.search.results import Facet, SearchSort
from app.search.tantivy_search import tantivy_query
from bench.results import Report
from bench.server import running_server

QUERIES = {
    "rare term": "zephyrine",
    "phrase": '"blue lagoon accord"',
    "two-word AND": "energy transit",
    "half the archive": "cooperation",
}
# Not part of the goal (the floor ranks by relevance and counts nothing): how the other orders and
# the facets cost on the broadest query.
EXTRAS = {
    "half the archive, newest first": ("cooperation", {"sort": "newest"}),
    "half the archive, 3 facets": ("cooperation", {"facets": "source,language,year"}),
}


def floor(connection: sqlite3.Connection, searcher: Any, query: Any) -> None:
    hits = searcher.search(query, 20, count=False).hits
    ids = searcher.fast_field_values("id", [address for _, address in hits])
    marks = ",".join("?" * len(ids))
    # the index holds only the analysed words (app/search/index.py): the 20 bodies a snippet is
    # cut from are read instead
    connection.execute(
        f"SELECT id, title, body FROM press_release WHERE id IN ({marks})", ids
    ).fetchall()


@contextmanager
def server(db: Path) -> Iterator[http.client.HTTPConnection]:
    """A keep-alive connection to a one-worker server on `db`."""
    with running_server(db) as (host, port, _pid):
        yield http.client.HTTPConnection(host, port, timeout=30)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/bench-100000.db"))
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    raw = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    engine = create_db_engine(f"sqlite:///{args.db}", read_only=True)
    samples: dict[tuple[str, str], list[float]] = {}
    reader = Reader(engine, pool_size=1, timeout_seconds=60)
    index = side_index.opened(side_index.location(args.db))
    index.reload()
    searcher = index.searcher()
    with server(args.db) as client:

        def over_http(q: str, **extra: str) -> None:
            query = urllib.parse.urlencode({"q": q, "limit": 20} | extra)
            client.request("GET", "/v1/search?" + query)
            response = client.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{q!r}: HTTP {response.status}")

        def in_process(q: str, **extra: str) -> None:
            facets = (
                tuple(Facet(f) for f in extra["facets"].split(",")) if "facets" in extra else ()
            )
            sort = SearchSort(extra.get("sort", "relevance"))
            # a fresh snapshot, as each request gets
            reader.run(
                lambda snapshot: search(
                    snapshot, SearchRequest(parse(q), limit=20, sort=sort, facets=facets)
                )
            )

        for round_ in range(args.rounds + 3):  # the first 3 rounds warm the caches
            for name, q in QUERIES.items():
                query = tantivy_query(parse(q))
                for kind, action in (
                    ("floor", lambda m=query: floor(raw, searcher, m)),
                    ("in-process", lambda q=q: in_process(q)),
                    ("http", lambda q=q: over_http(q)),
                ):
                    elapsed = timed(action)
                    if round_ >= 3:
                        samples.setdefault((name, kind), []).append(elapsed)
            for name, (q, extra) in EXTRAS.items():
                for kind, action in (
                    ("in-process", lambda q=q, e=extra: in_process(q, **e)),
                    ("http", lambda q=q, e=extra: over_http(q, **e)),
                ):
                    elapsed = timed(action)
                    if round_ >= 3:
                        samples.setdefault((name, kind), []).append(elapsed)

    total = {
        name: searcher.search(tantivy_query(parse(q)), 1, count=True).count
        for name, q in QUERIES.items()
    }
    out = Report("search-latency")
    releases = raw.execute("SELECT count(*) FROM press_release").fetchone()[0]
    out(f"{releases} releases, {args.rounds} rounds, p50 (p95) in ms")
    out()
    out(
        "| query | q | matches | floor | in-process | http | http / floor "
        "| goal: 1.5 x floor + 2 ms |"
    )
    out("|---|---|---|---|---|---|---|---|")
    for name, q in QUERIES.items():
        p = {kind: samples[(name, kind)] for kind in ("floor", "in-process", "http")}
        p50 = {kind: statistics.median(values) for kind, values in p.items()}
        p95 = {kind: statistics.quantiles(values, n=20)[-1] for kind, values in p.items()}
        goal = 1.5 * p50["floor"] + 2
        verdict = "met" if p50["http"] <= goal else "missed"
        cells = " | ".join(f"{p50[k]:.1f} ({p95[k]:.1f})" for k in ("floor", "in-process", "http"))
        out(
            f"| {name} | `{q}` | {total[name]} | {cells} | {p50['http'] / p50['floor']:.2f} "
            f"| {goal:.1f}: {verdict} |"
        )
    out()
    out("| other requests | q | in-process | http |")
    out("|---|---|---|---|")
    for name, (q, extra) in EXTRAS.items():
        cells = " | ".join(
            f"{statistics.median(samples[(name, k)]):.1f} "
            f"({statistics.quantiles(samples[(name, k)], n=20)[-1]:.1f})"
            for k in ("in-process", "http")
        )
        out(f"| {name} | `{q}` {extra} | {cells} |")
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
