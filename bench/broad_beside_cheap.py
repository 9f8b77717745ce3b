"""Cheap requests beside broad searches on the embedded default, with the broad ones answered on
the event loop and sent to the slow lane, taking turns in one process.

    python -m bench.broad_beside_cheap [--db bench/out/bench-1000000.db] [--seconds 8]

One client sends broad searches back to back (`common OR` and `common, facets` of bench.million,
each another); beside it, another asks for a release by random id every 2 ms. A cheap request's
latency runs from when it was due, so that the time it waits for the event loop counts. The app is
called in-process (ASGI), as bench.million calls it.

Two settings of the work budget's SLICE_SHARE (app/search/budget.py), in turns, ROUNDS times:
past any estimate, so that a broad search runs on the event loop until it ends or outgrows its
slice (how it was before the budget sent such searches on), and its own value.
"""

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from bench.in_process import receive, scope, started_app
from bench.million import Request, draws
from bench.results import Report

ROUNDS = 2
DUE_EVERY = 0.002  # seconds between two cheap requests
NEVER = 1e9  # a share of the budget no estimate reaches


async def measure(db: Path, serve: str, seconds: float) -> list[tuple[str, dict[str, float]]]:
    from app.search import budget  # noqa: PLC0415  (the checkout's own, from sys.path)

    drawn = draws(db, 200, seed=9)
    broad = drawn["common OR"] + drawn["common, facets"]
    random.Random(1).shuffle(broad)
    cheap = drawn["detail"]
    app, lifespan = await started_app(serve)

    async def send(message: MutableMapping[str, Any]) -> None:
        pass

    async def call(request: Request) -> None:
        path, query = request
        await app(scope(path, query), receive, send)

    async def phase(share: float) -> dict[str, float]:
        budget.SLICE_SHARE = share
        stop = time.monotonic() + seconds
        answered = 0

        async def storm() -> None:
            nonlocal answered
            while time.monotonic() < stop:
                await call(broad[answered % len(broad)])
                answered += 1

        storming = asyncio.create_task(storm())
        took: list[float] = []
        while time.monotonic() < stop:
            due = time.perf_counter() + DUE_EVERY
            await asyncio.sleep(DUE_EVERY)
            await call(cheap[len(took) % len(cheap)])
            took.append((time.perf_counter() - due) * 1e3)
        await storming
        took.sort()
        return {
            "broad": answered / seconds,
            "cheap": len(took) / seconds,
            "p50": statistics.median(took),
            "p99": took[int(len(took) * 0.99)],
            "max": took[-1],
        }

    default = budget.SLICE_SHARE
    found = []
    for _ in range(ROUNDS):
        for name, share in (("on the event loop", NEVER), ("sent to the slow lane", default)):
            found.append((name, await phase(share)))
    budget.SLICE_SHARE = default
    lifespan.cancel()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/bench-1000000.db"))
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    found = asyncio.run(measure(args.db, str(args.db.resolve()), args.seconds))
    out = Report("broad-beside-cheap")
    out(f"{args.db}: one client sending broad searches back to back, another a detail every")
    out(f"{DUE_EVERY * 1000:g} ms; {args.seconds:g} s a phase, in turns; latency from when due, ms")
    out()
    out("| broad searches | broad/s | cheap/s | cheap p50 | cheap p99 | cheap max |")
    out("|---|---|---|---|---|---|")
    for name, row in found:
        out(
            f"| {name} | {row['broad']:.0f} | {row['cheap']:.0f} | {row['p50']:.2f} "
            f"| {row['p99']:.1f} | {row['max']:.1f} |"
        )
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
