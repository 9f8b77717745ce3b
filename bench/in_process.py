"""Pressroom's own cost per request, in-process: the ASGI app called directly (no HTTP, no wrk),
endpoint by endpoint, against another checkout side by side.

    python -m bench.in_process --db bench/out/bench-100000.db [--against /path/to/old/checkout]
        [--against-db old.db]

wrk on these shared 2-core machines moves by 20-30% from run to run (the bare app as much as
Pressroom), too much to see a change of a few percent; this takes the server out. Each side runs
in its own process, both at once (one per core, under the same load), ROUNDS rounds each, and the
best round is kept; `--pairs` repeats that. Details are drawn at random from the whole archive.
`--against-db` gives the other checkout a database of its own (the same releases at its schema).
"""

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

ENDPOINTS = {  # name → (path, query string), how many requests a round
    "detail": (None, b"", 3000),
    "list": ("/v1/press-releases", b"", 3000),
    "rare search": ("/v1/search", b"q=zephyrine", 1000),
    "phrase search": ("/v1/search", b"q=%22blue+lagoon+accord%22", 1000),
}


def scope(path: str, query: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def receive() -> dict[str, Any]:
    """An ASGI request without a body."""
    return {"type": "http.request", "body": b"", "more_body": False}


async def started_app(db: str) -> tuple[Any, asyncio.Task[None]]:
    """The app on the SQLite database file `db` (or the database at the URL `db`), its lifespan
    started; and the lifespan's task, to cancel when done."""
    from app.config import Settings  # noqa: PLC0415  (the checkout's own, from sys.path)
    from app.main import create_app  # noqa: PLC0415

    url = db if "://" in db else f"sqlite:///{db}"
    app = create_app(Settings(database_url=url, log_level="warning"))
    started = asyncio.Event()

    async def lifespan_receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def lifespan_send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            started.set()

    lifespan = asyncio.create_task(
        app(
            {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
            lifespan_receive,
            lifespan_send,
        )
    )
    await started.wait()
    return app, lifespan


async def _measure(db: str, rounds: int) -> dict[str, float]:
    app, lifespan = await started_app(db)

    async def send(_message: MutableMapping[str, Any]) -> None:
        pass

    import sqlite3  # noqa: PLC0415

    with sqlite3.connect(db) as connection:
        top = connection.execute("SELECT max(id) FROM press_release").fetchone()[0]
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, (path, query, count) in ENDPOINTS.items():
            start = time.perf_counter()
            for _ in range(count):
                where = path or f"/v1/press-releases/{random.randint(1, top)}"
                await app(scope(where, query), receive, send)
            took = (time.perf_counter() - start) / count * 1e6
            best[name] = min(took, best.get(name, took))
    lifespan.cancel()
    return best


def _side(checkout: Path, db: str, rounds: int) -> subprocess.Popen[str]:
    env = os.environ | {"PYTHONPATH": str(checkout)}
    # this file run as a script: `app` is then found on PYTHONPATH only, in the checkout given
    command = [sys.executable, str(Path(__file__).resolve()), "--db", db, "--rounds", str(rounds)]
    return subprocess.Popen(
        [*command, "--child"], cwd=checkout, env=env, stdout=subprocess.PIPE, text=True
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="bench/out/bench-100000.db")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--against", type=Path, help="another checkout, measured side by side")
    parser.add_argument("--against-db", help="the other checkout's database (default: --db)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    db = str(Path(args.db).resolve())
    if args.child:
        print(json.dumps(asyncio.run(_measure(db, args.rounds))))
        return 0
    sides = {"this": Path.cwd()} | ({"against": args.against.resolve()} if args.against else {})
    dbs = {"this": db, "against": str(Path(args.against_db or db).resolve())}
    best: dict[str, dict[str, float]] = {side: {} for side in sides}
    for _ in range(args.pairs):
        running = {
            side: _side(checkout, dbs[side], args.rounds) for side, checkout in sides.items()
        }
        for side, process in running.items():
            out, _ = process.communicate()
            for name, took in json.loads(out).items():
                best[side][name] = min(took, best[side].get(name, took))
    print(
        "| endpoint | "
        + " | ".join(f"{side} µs" for side in sides)
        + (" | this / against |" if args.against else " |")
    )
    print("|---" * (len(sides) + 1 + bool(args.against)) + "|")
    for name in ENDPOINTS:
        cells = [f"{best[side][name]:,.1f}" for side in sides]
        if args.against:
            cells.append(f"{best['this'][name] / best['against'][name]:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
