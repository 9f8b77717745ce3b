"""Each benchmark's figures, printed and written into bench/RESULTS.md between its own markers
(`<!-- name:begin -->` … `<!-- name:end -->`), with when, where and how they were measured. The
prose around the markers is written by hand and stays."""

import os
import platform
import shlex
import sqlite3
import sys
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

RESULTS = Path("bench/RESULTS.md")


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, FastAPI {version('fastapi')}, "
        f"uvicorn {version('uvicorn')}, SQLAlchemy {version('sqlalchemy')}"
    )


class Report:
    def __init__(self, name: str) -> None:
        self.name = name
        command = shlex.join(["python", "-m", f"bench.{name.replace('-', '_')}", *sys.argv[1:]])
        self.lines = [
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
            "",
            f"`{command}`",
            "",
        ]

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)

    def write(self) -> None:
        begin, end = f"<!-- {self.name}:begin -->", f"<!-- {self.name}:end -->"
        section = "\n".join([begin, *self.lines, end])
        text = RESULTS.read_text()
        if begin in text and end in text:
            text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
        else:
            text += f"\n## {self.name}\n\n{section}\n"
        RESULTS.write_text(text)
