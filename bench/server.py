"""`pressroom serve` in a child process, for the benchmarks that drive it over HTTP."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def warm(db: Path) -> None:
    """Read the database file through once, so that it sits in the OS page cache as on a server
    that serves it. On these machines the page cache of an idle file decays within minutes
    (measured: 15% of a 390 MB file in 30 s, with 23 GB free), and a detail by random id then
    waits on the disk for one lookup in ten."""
    with db.open("rb") as file:
        while file.read(1 << 20):
            pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(command: list[str], ready_url: str, env: dict[str, str] | None = None) -> Iterator[int]:
    """Run `command` until the block ends; yield its pid once `ready_url` answers."""
    process = subprocess.Popen(command, env=env)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(ready_url, timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{command[2:4]} never answered at {ready_url}")
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def running_server(
    db: Path | str, *, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[tuple[str, int, int]]:
    """(host, port, pid) of `pressroom serve` on `db` (a SQLite file, or any DATABASE_URL), ready
    (its /readyz answered) when yielded; `env` adds settings."""
    port = free_port()
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    env = os.environ | {
        "DATABASE_URL": url,
        "PORT": str(port),
        "LOG_LEVEL": "warning",
        "WEB_CONCURRENCY": str(workers),
        **(env or {}),
    }
    command = [sys.executable, "-m", "app.cli", "serve"]
    with serving(command, f"http://127.0.0.1:{port}/readyz", env) as pid:
        yield "127.0.0.1", port, pid
