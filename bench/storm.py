"""Eight clients repeating the most expensive searches, and cheap requests measured beside them.

    python -m bench.storm [--db bench/out/bench-100000.db] [--postgres URL] [--seconds 20]

The archive is `--db` with a 4.5 MB and a 1 MB release added (bench.long_release).
The server runs with the defaults of `make run` (one worker) and of the Docker image (one worker
per core). For each, two wrk runs go side by side for the same time:

  storm   8 connections, each request drawn from the heavy mix: the broadest queries the grammar
          accepts (common words with three facets, OR and AND of common words, phrases of common
          words, three-letter prefixes) and searches that hit the long releases
  cheap   2 connections, each request drawn from /healthz, list pages and details by random id

Goal: the cheap requests' p99 under 100 ms and none answered with an error; the storm's
overload is shed with 503 and Retry-After, never left waiting for seconds.
"""

import argparse
import itertools
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote

from bench.generate import REAL
from bench.long_release import MARKER, long_releases_file, with_long_releases
from bench.postgres_archive import archive_database
from bench.results import Report
from bench.server import running_server, warm

COMMON = [w for w in dict.fromkeys(REAL) if len(w) > 1][:40]
PREFIXES = ["gar", "ren", "sol", "var", "dun", "osh", "bek", "tan", "mir", "nes", "vol", "ard"]


def heavy_mix(rng: random.Random) -> list[str]:
    queries: list[tuple[str, str]] = []
    facets = "&facets=source,language,year"
    queries += [(word, facets) for word in COMMON]
    queries += [(" OR ".join(rng.sample(COMMON, 8)), "") for _ in range(20)]
    queries += [(" ".join(rng.sample(COMMON, 4)), "") for _ in range(20)]
    queries += [(f'"{a} {b}"', "") for a, b in itertools.pairwise(COMMON)]
    queries += [(f"{prefix}*", "") for prefix in PREFIXES]
    queries += [(f"{prefix}*", facets) for prefix in PREFIXES]
    queries += [(q, "") for q in ("programme", '"sustainable development"', MARKER, "goals")] * 5
    queries += [(f"{word} {MARKER}", "") for word in COMMON[:10]]
    return [f"/v1/search?q={quote(q)}{extra}" for q, extra in queries]


def cheap_mix(releases: int, rng: random.Random) -> list[str]:
    paths = ["/healthz"] * 20 + ["/v1/press-releases", "/v1/press-releases?sort=oldest"] * 5
    paths += [f"/v1/press-releases?to={2001 + i}-06-30" for i in range(10)]
    paths += [f"/v1/press-releases/{rng.randint(1, releases)}" for _ in range(40)]
    return paths


LUA = """
local paths = {%s}
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


def wrk(base: str, paths: list[str], connections: int, seconds: int) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(LUA % ", ".join(f'"{p}"' for p in paths))
        script.flush()
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
        command += ["--timeout", "10s", "-s", script.name, base]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def figures(output: str) -> dict[str, str]:
    found = {
        "requests": re.search(r"(\d+) requests in", output),
        "rps": re.search(r"Requests/sec:\s+([\d.]+)", output),
        "p50": re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE),
        "p99": re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE),
        "max": re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", output),
        "non2xx": re.search(r"Non-2xx or 3xx responses: (\d+)", output),
        "sockets": re.search(r"Socket errors: (.*)", output),
    }
    return {key: (match.group(1) if match else "0") for key, match in found.items()}


def storm(url: str, workers: int, seconds: int, releases: int) -> tuple[dict[str, str], ...]:
    rng = random.Random(11)
    heavy, cheap = heavy_mix(rng), cheap_mix(releases, rng)
    outputs: dict[str, str] = {}
    with running_server(url, workers=workers) as (host, port, _pid):
        base = f"http://{host}:{port}"
        wrk(base, cheap, 2, 2)  # warm up
        alone = wrk(base, cheap, 2, seconds)  # the cheap mix with no storm, for comparison

        def drive(name: str, paths: list[str], connections: int) -> None:
            outputs[name] = wrk(base, paths, connections, seconds)

        threads = [
            threading.Thread(target=drive, args=("storm", heavy, 8)),
            threading.Thread(target=drive, args=("cheap", cheap, 2)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return figures(outputs["storm"]), figures(outputs["cheap"]), figures(alone)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/bench-100000.db"))
    parser.add_argument("--archive", type=Path, default=Path("bench/out/archive-100000.jsonl"))
    parser.add_argument("--postgres", help="also on PostgreSQL: a server URL to load it into")
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    import sqlite3  # noqa: PLC0415

    db = with_long_releases(args.db, args.db.with_name(f"long-{args.db.stem.split('-')[-1]}.db"))

    releases = (
        sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        .execute("SELECT count(*) FROM press_release")
        .fetchone()[0]
    )
    cores = os.cpu_count() or 1
    runs = [("sqlite", f"sqlite:///{db}", 1), ("sqlite", f"sqlite:///{db}", cores)]
    if args.postgres:
        url = archive_database(args.postgres, [args.archive, long_releases_file()])
        runs += [("postgresql", url, 1), ("postgresql", url, cores)]

    out = Report("storm")
    out(f"{releases} releases (two of them 4.5 MB and 1 MB), wrk for {args.seconds} s per run")
    out()
    out(
        "| engine | workers | storm req/s | storm 400 or 503 | storm p50 | storm max | cheap req/s "
        "| cheap p50 | cheap p99 | cheap max | cheap errors | cheap p99 alone |"
    )
    out("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for engine, url, workers in runs:
        if engine == "sqlite":
            warm(db)
        heavy, cheap, alone = storm(url, workers, args.seconds, releases)
        errors = int(cheap["non2xx"])
        sockets = cheap["sockets"] if cheap["sockets"] != "0" else "none"
        out(
            f"| {engine} | {workers} | {float(heavy['rps']):,.0f} | {heavy['non2xx']} "
            f"| {heavy['p50']} | {heavy['max']} | {float(cheap['rps']):,.0f} | {cheap['p50']} "
            f"| {cheap['p99']} | {cheap['max']} | {errors}, sockets: {sockets} | {alone['p99']} |"
        )
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
