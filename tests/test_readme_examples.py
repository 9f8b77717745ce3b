"""Every `curl` example in README.md, run against the demo archive (`make demo`: the seed release,
then demo/generate.py's releases), shows what the API answers.

An example is a ```sh block whose only line is a curl of http://127.0.0.1:8000, followed by the
block of its output (JSON; `curl -i`: the status line, the headers shown and the body). In the
shown output `…` stands for any text: a string `"a…b"` matches a string holding `a`, then `b`;
an object with a key `"…"` may have more keys than those shown; a list whose last element is a
string of `…` may go on. `ingested_at`, `updated_at` and the feed's `updated` are timestamps of
the run, and match any value.
"""

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db import create_db_engine
from app.ingest.command import ingest
from app.main import create_app
from tests.fixtures.releases import REPOSITORY

BASE = "http://127.0.0.1:8000"
_BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.DOTALL)
_VOLATILE = {"ingested_at", "updated_at"}
_STAMP = re.compile(r"<updated>[^<]*</updated>")
_CURL = re.compile(rf"curl (-i )?'?{re.escape(BASE)}")


def examples() -> list[tuple[str, str]]:
    """(curl command, shown output) of every example of README.md: a block of one curl and the
    block after it, or a curl line whose comment starts with the JSON it answers."""
    blocks = _BLOCK.findall((REPOSITORY / "README.md").read_text())
    found = []
    for (kind, text), (_, after) in zip(blocks, [*blocks[1:], ("", "")], strict=True):
        lines = [line for line in text.strip().splitlines() if _CURL.match(line)]
        if kind != "sh" or not lines:
            continue
        if len(lines) == 1 and "#" not in lines[0]:
            found.append((lines[0], after))
            continue
        for line in lines:
            command, _, comment = line.partition("#")
            shown, _ = json.JSONDecoder().raw_decode(comment.strip())
            found.append((command.strip(), json.dumps(shown)))
    return found


@pytest.fixture(scope="module")
def demo(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The demo archive as `make demo` loads it, served over ASGI at the README's base URL."""
    folder = tmp_path_factory.mktemp("demo")
    archive = folder / "demo.jsonl"
    subprocess.run(
        [sys.executable, "-m", "demo.generate", "--out", str(archive)], check=True, cwd=REPOSITORY
    )
    database = folder / "demo.db"
    shutil.copyfile(template_db, database)
    engine = create_db_engine(f"sqlite:///{database}")
    ingest(engine, [REPOSITORY / "seeds"])
    ingest(engine, [archive])
    engine.dispose()
    app = create_app(Settings(database_url=f"sqlite:///{database}"))
    with TestClient(app, base_url=BASE) as client:
        yield client


def glob(shown: str, actual: str) -> bool:
    pieces = shown.split("…")
    pattern = ".*".join(re.escape(piece) for piece in pieces)
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("…") and value.endswith("…")


def matches(shown: Any, actual: Any, key: str = "") -> bool:  # noqa: PLR0911  (a return a type)
    if key in _VOLATILE:
        return True
    if isinstance(shown, str):
        return isinstance(actual, str) and (
            glob(shown, actual) if "…" in shown else shown == actual
        )
    if isinstance(shown, dict):
        keys = set(shown) - {"…"}
        if not isinstance(actual, dict) or not keys <= set(actual):
            return False
        if "…" not in shown and keys != set(actual):
            return False
        return all(matches(shown[k], actual[k], k) for k in keys)
    if isinstance(shown, list):
        if not isinstance(actual, list):
            return False
        if shown and placeholder(shown[-1]):
            head = shown[:-1]
            return len(actual) >= len(head) and all(map(matches, head, actual))
        return len(shown) == len(actual) and all(map(matches, shown, actual))
    return bool(shown == actual and type(shown) is type(actual))


EXAMPLES = examples()


def test_the_readme_has_its_examples() -> None:
    assert len(EXAMPLES) == 15


@pytest.mark.parametrize(("command", "shown"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_a_readme_example_shows_what_the_api_answers(
    demo: TestClient, command: str, shown: str
) -> None:
    url = command.rsplit(maxsplit=1)[-1].strip("'")
    response = demo.get(url.removeprefix(BASE))
    if command.startswith("curl -i"):
        head, _, body = shown.partition("\n\n")
        status, *headers = head.splitlines()
        assert status == f"HTTP/1.1 {response.status_code} {response.reason_phrase}"
        for line in headers:
            name, _, value = line.partition(": ")
            assert response.headers[name] == value, name
        assert matches(json.loads(body), response.json())
    elif response.headers["content-type"].startswith("application/atom+xml"):
        actual = _STAMP.sub("<updated>…</updated>", response.text)
        expected = _STAMP.sub("<updated>…</updated>", shown.strip())
        assert glob(expected.replace("\n", ""), actual.replace("\n", "")), actual
    else:
        assert response.status_code == 200
        assert matches(json.loads(shown), response.json()), json.dumps(
            response.json(), ensure_ascii=False, indent=2
        )[:3000]
