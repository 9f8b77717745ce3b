"""Searches that hit a 4.5 MB and a 1 MB release, beside searches that do not, in one run.

    python -m bench.long_releases [--db bench/out/bench-100000.db] [--postgres URL] [--rounds 30]

The archive is the 100,000-release one with two long releases of ordinary words added
(bench.long_release). Single client, over HTTP (`pressroom serve`, 1 worker, keep-alive), rounds
interleaved. Each pair is a search that matches a long release and one of the same kind that does
not; the same queries also run on the archive without the long releases, for a before and after.
Goal: a search that matches a long release within 3 x the one that does not.
"""

import argparse
import http.client
import statistics
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.long_release import MARKER, long_releases_file, with_long_releases
from bench.postgres_archive import archive_database
from bench.results import Report
from bench.server import running_server, warm

# (what, a search that matches the long releases, one of the same kind that does not)
PAIRS = [
    ("rare word", MARKER, "zephyrine"),
    ("phrase", '"sustainable development"', '"blue lagoon accord"'),
    ("two words", f"{MARKER} delegation", "zephyrine delegation"),
    ("common word", "programme OR zephyrine", "lagoon"),
]


@contextmanager
def client(url: str) -> Iterator[http.client.HTTPConnection]:
    with running_server(url) as (host, port, _pid):
        yield http.client.HTTPConnection(host, port, timeout=30)


def timed(connection: http.client.HTTPConnection, q: str) -> tuple[float, int]:
    start = time.perf_counter()
    connection.request("GET", "/v1/search?" + urllib.parse.urlencode({"q": q, "limit": 20}))
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        raise RuntimeError(f"{q!r}: HTTP {response.status}")
    return elapsed, response.status


def measure(without: str, with_long: str, rounds: int) -> dict[tuple[str, str], list[float]]:
    samples: dict[tuple[str, str], list[float]] = {}
    with client(without) as before, client(with_long) as after:
        for round_ in range(rounds + 3):  # 3 rounds of warm-up
            for _name, hits, misses in PAIRS:
                for q in (hits, misses):
                    for archive, connection in (("without", before), ("with", after)):
                        elapsed, _ = timed(connection, q)
                        if round_ >= 3:
                            samples.setdefault((q, archive), []).append(elapsed)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/bench-100000.db"))
    parser.add_argument("--archive", type=Path, default=Path("bench/out/archive-100000.jsonl"))
    parser.add_argument("--postgres", help="also on PostgreSQL: a server URL to load both into")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    long_db = with_long_releases(
        args.db, args.db.with_name(f"long-{args.db.stem.split('-')[-1]}.db")
    )
    runs = {"sqlite": (f"sqlite:///{args.db}", f"sqlite:///{long_db}")}
    if args.postgres:
        runs["postgresql"] = (
            archive_database(args.postgres, [args.archive]),
            archive_database(args.postgres, [args.archive, long_releases_file()]),
        )
    out = Report("long-releases")
    out(f"{args.rounds} rounds, single client over HTTP, p50 (p95) in ms")
    for engine, (without, with_long) in runs.items():
        if engine == "sqlite":
            warm(args.db)
            warm(long_db)
        samples = measure(without, with_long, args.rounds)
        out()
        out(f"**{engine}**")
        out()
        out(
            "| search | hits a long release | p50 (p95) | one that does not | p50 (p95) "
            "| ratio | goal: 3 x | the first without the long releases |"
        )
        out("|---|---|---|---|---|---|---|---|")
        for name, hits, misses in PAIRS:
            hit, miss = samples[(hits, "with")], samples[(misses, "with")]
            ratio = statistics.median(hit) / statistics.median(miss)
            verdict = "met" if ratio <= 3 else "missed"
            before = samples[(hits, "without")]

            def cell(values: list[float]) -> str:
                p95 = statistics.quantiles(values, n=20)[-1]
                return f"{statistics.median(values):.1f} ({p95:.1f})"

            out(
                f"| {name} | `{hits}` | {cell(hit)} | `{misses}` | {cell(miss)} "
                f"| {ratio:.2f} | {verdict} | {cell(before)} |"
            )
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
