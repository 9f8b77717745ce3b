"""64 concurrent connections for 30 s on a mix of routes, with wrk, against `pressroom serve`.

    python -m bench.load --db bench/out/bench-100000.db [--workers 2] [--seconds 30]

The mix, drawn at random per request: detail by random id (40 %), list pages (20 %), searches
(30 %: a rare term, a phrase, a two-word AND, with and without filters), the Atom feed (10 %).
Goal: zero errors (non-2xx answers and socket errors) throughout.
"""

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.results import Report
from bench.server import running_server

LUA = """
local paths = {%s}
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


def mix(releases: int, rng: random.Random) -> list[str]:
    paths = [f"/v1/press-releases/{rng.randint(1, releases)}" for _ in range(40)]
    paths += [
        "/v1/press-releases",
        "/v1/press-releases?limit=100",
        "/v1/press-releases?sort=oldest",
    ]
    paths += [f"/v1/press-releases?to={2001 + i}-06-30&limit=50" for i in range(17)]
    searches = ["zephyrine", "%22blue+lagoon+accord%22", "energy+transit", "lagoon+-blue"]
    paths += [f"/v1/search?q={q}" for q in searches for _ in range(5)]
    paths += [f"/v1/search?q={q}&from=2010-01-01&sort=newest" for q in searches for _ in range(2)]
    paths += ["/v1/search?q=energy+transit&facets=source,year"] * 2
    paths += ["/v1/feed.atom", "/v1/feed.atom?q=transit"] * 5
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/bench-100000.db"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2

    import sqlite3  # noqa: PLC0415

    releases = (
        sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
        .execute("SELECT count(*) FROM press_release")
        .fetchone()[0]
    )
    paths = mix(releases, random.Random(7))
    with running_server(args.db, workers=args.workers) as (host, port, pid):
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            script.write(LUA % ", ".join(f'"{p}"' for p in paths))
            script.flush()
            command = [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.seconds}s",
                "--latency",
                "--timeout",
                "10s",
                "-s",
                script.name,
                f"http://{host}:{port}",
            ]
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        rss = Path(f"/proc/{pid}/status").read_text()

    out = Report("load")
    out("```")
    for line in output.strip().splitlines():
        out(line)
    out("```")
    out()
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: (.*)", output)
    out(f"{releases} releases, {args.workers} worker(s), {len(paths)} paths in the mix")
    out(
        f"non-2xx: {errors.group(1) if errors else 0}; socket errors: "
        f"{sockets.group(1) if sockets else 'none'}"
    )
    out("server (supervisor) " + " ".join(re.findall(r"VmHWM:\s+\d+ kB", rss)))
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
