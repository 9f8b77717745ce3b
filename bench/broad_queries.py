"""Every kind of query the grammar accepts, at its broadest, on the 100,000-release archive: each
answered within 200 ms or refused with a 400, never left to run.

    python -m bench.broad_queries [--db bench/out/bench-100000.db] [--postgres URL]

Single client over HTTP (`pressroom serve`, 1 worker, keep-alive), each request once, drawn from
many distinct queries of each shape: prefixes of one to four letters, the commonest words alone
and with facets, ORs and ANDs of 2 to 32 common words, phrases of common words, in every sort.
Goal: the slowest answered request of each shape under 200 ms; the refused ones say
why (400), quickly.
"""

import argparse
import http.client
import random
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from bench.generate import REAL, SYLLABLES
from bench.postgres_archive import archive_database
from bench.results import Report
from bench.server import running_server, warm

COMMON = [w for w in dict.fromkeys(REAL) if len(w) > 1][:60]
GOAL_MS = 200


def shapes(rng: random.Random) -> Iterator[tuple[str, dict[str, str]]]:
    """(shape, parameters) of every request, shuffled within the run."""
    letters = sorted({word[0] for word in COMMON + SYLLABLES})
    for prefix in letters:
        yield "prefix, 1 letter", {"q": prefix + "*"}
    for syllable in SYLLABLES:
        yield "prefix, 2-3 letters", {"q": syllable + "*"}
        yield "prefix, 4+ letters", {"q": syllable + rng.choice(SYLLABLES)[:2] + "*"}
    for word in COMMON[:30]:
        yield "one common word", {"q": word}
        yield "one common word, newest", {"q": word, "sort": "newest"}
        yield "one common word, 3 facets", {"q": word, "facets": "source,language,year"}
    for n in (2, 4, 8, 16, 32):
        for _ in range(6):
            yield f"OR of {n} common words", {"q": " OR ".join(rng.sample(COMMON, n))}
            yield f"AND of {n} common words", {"q": " ".join(rng.sample(COMMON, n))}
    for n in (1, 2, 4):
        for _ in range(8):
            phrases = [f'"{a} {b}"' for a, b in (rng.sample(COMMON[:15], 2) for _ in range(n))]
            yield f"{n} phrase(s) of common words", {"q": " OR ".join(phrases)}
    for _ in range(8):
        yield "prefixes ORed", {"q": " OR ".join(s + "*" for s in rng.sample(SYLLABLES, 5))}


def run(url: str, requests: list[tuple[str, dict[str, str]]]) -> dict[str, list[tuple[int, float]]]:
    found: dict[str, list[tuple[int, float]]] = {}
    with running_server(url) as (host, port, _pid):
        connection = http.client.HTTPConnection(host, port, timeout=30)
        for shape, params in requests:
            query = urllib.parse.urlencode(params | {"limit": "20"})
            start = time.perf_counter()
            connection.request("GET", "/v1/search?" + query)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - start) * 1000
            found.setdefault(shape, []).append((response.status, elapsed))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/bench-100000.db"))
    parser.add_argument("--archive", type=Path, default=Path("bench/out/archive-100000.jsonl"))
    parser.add_argument("--postgres", help="also on PostgreSQL: a server URL to load it into")
    args = parser.parse_args()

    rng = random.Random(3)
    requests = list(shapes(rng))
    rng.shuffle(requests)
    runs = {"sqlite": f"sqlite:///{args.db}"}
    if args.postgres:
        runs["postgresql"] = archive_database(args.postgres, [args.archive])
    out = Report("broad-queries")
    out(f"{len(requests)} distinct requests, each once, single client over HTTP, in ms")
    for engine, url in runs.items():
        if engine == "sqlite":
            warm(args.db)
        found = run(url, requests)
        out()
        out(f"**{engine}**")
        out()
        out("| shape | requests | answered | slowest answered | refused | slowest 400 | goal |")
        out("|---|---|---|---|---|---|---|")
        for shape in dict.fromkeys(shape for shape, _ in shapes(random.Random(3))):
            answers = found.get(shape, [])
            ok = [ms for status, ms in answers if status == 200]
            refused = [ms for status, ms in answers if status == 400]
            other = [status for status, _ in answers if status not in (200, 400)]
            slowest = max(ok, default=0.0)
            verdict = "met" if slowest < GOAL_MS and not other else "missed"
            if other:
                verdict += f" ({len(other)} answered {sorted(set(other))})"
            out(
                f"| {shape} | {len(answers)} | {len(ok)} | {slowest:.1f} | {len(refused)} "
                f"| {max(refused, default=0.0):.1f} | {verdict} |"
            )
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
