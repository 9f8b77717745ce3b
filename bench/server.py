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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_server(db: Path, *, workers: int = 1) -> Iterator[tuple[str, int, int]]:
    """(host, port, pid) of a server on `db`, ready (its /readyz answered) when yielded."""
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{db}",
        "PORT": str(port),
        "LOG_LEVEL": "warning",
        "WEB_CONCURRENCY": str(workers),
    }
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve"], env=env)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server never became ready")
        yield "127.0.0.1", port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
