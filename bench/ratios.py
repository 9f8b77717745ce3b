"""Pressroom's throughput as a ratio to a bare FastAPI app, endpoint by endpoint, back to back.

    python -m bench.ratios [--sizes 10000 100000] [--seconds 10]

For each archive size: Pressroom (`pressroom serve`, 1 worker) and the bare app (bench/bare.py,
`uvicorn`, 1 worker, the same loop and HTTP parser) run side by side; for each endpoint wrk drives
the bare app, then Pressroom, for the same time with the same connections. The ratio is Pressroom's
requests/s over the bare app's measured just before. Writes its tables into bench/RESULTS.md
between the `ratios` markers, with the machine, the versions and the command.
"""

import argparse
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.results import Report
from bench.server import free_port, running_server, serving, warm

GOALS = {"detail": 0.5, "list": 0.4, "deep list": 0.35, "rare search": 0.3, "phrase search": 0.2}


def endpoints(releases: int) -> dict[str, str]:
    """Endpoint name → a wrk Lua `request` body."""

    def fixed(path: str) -> str:
        return f'return wrk.format("GET", "{path}")'

    return {
        "detail": f'return wrk.format("GET", "/v1/press-releases/" .. math.random(1, {releases}))',
        "list": fixed("/v1/press-releases"),
        "deep list": fixed("/v1/press-releases?to=2002-01-31"),
        "rare search": fixed("/v1/search?q=zephyrine"),
        "phrase search": fixed("/v1/search?q=%22blue+lagoon+accord%22"),
    }


@contextmanager
def bare_server() -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.bare:app",
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with serving(command, f"http://127.0.0.1:{port}/"):
        yield "127.0.0.1", port


def drive(base: str, request_body: str, seconds: int, connections: int) -> dict[str, str]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(f"request = function()\n  {request_body}\nend\n")
        script.flush()
        output = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                script.name,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    found = {
        "rps": re.search(r"Requests/sec:\s+([\d.]+)", output),
        "p50": re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE),
        "p99": re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE),
        "non2xx": re.search(r"Non-2xx or 3xx responses: (\d+)", output),
        "sockets": re.search(r"Socket errors: (.*)", output),
    }
    return {key: (match.group(1) if match else "0") for key, match in found.items()}


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    out = Report("ratios")
    out(
        f"wrk -t2 -c{args.connections} -d{args.seconds}s per endpoint and server, the bare app "
        "just before Pressroom; the archive read into the page cache before each Pressroom run."
    )
    growth: dict[str, list[str]] = {name: [] for name in GOALS}
    for size in args.sizes:
        db = Path(f"bench/out/bench-{size}.db")
        out()
        out(f"**{size:,} releases** ({db})")
        out()
        out(
            "| endpoint | bare req/s | pressroom req/s | ratio | goal | p50 | p99 | non-2xx "
            "| socket errors |"
        )
        out("|---|---|---|---|---|---|---|---|---|")
        with bare_server() as (bare_host, bare_port), running_server(db) as (host, port, pid):
            for name, body in endpoints(size).items():
                bare = drive(
                    f"http://{bare_host}:{bare_port}",
                    'return wrk.format("GET", "/")',
                    args.seconds,
                    args.connections,
                )
                warm(db)
                ours = drive(f"http://{host}:{port}", body, args.seconds, args.connections)
                ratio = float(ours["rps"]) / float(bare["rps"])
                verdict = "met" if ratio >= GOALS[name] else "short"
                out(
                    f"| {name} | {float(bare['rps']):,.0f} | {float(ours['rps']):,.0f} | "
                    f"{ratio:.2f} | {GOALS[name]} ({verdict}) | {ours['p50']} | {ours['p99']} | "
                    f"{ours['non2xx']} | {ours['sockets']} |"
                )
                growth[name].append(f"{float(ours['rps']):,.0f} ({ratio:.2f})")
            memory = rss_mb(pid)
        out()
        out(f"Server memory after the run: {memory:.0f} MB resident (1 worker).")
    out()
    out("**Growth**: Pressroom req/s (ratio to the bare app) by archive size")
    out()
    out("| endpoint | " + " | ".join(f"{size:,}" for size in args.sizes) + " |")
    out("|---|" + "---|" * len(args.sizes))
    for name, cells in growth.items():
        out(f"| {name} | " + " | ".join(cells) + " |")
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
