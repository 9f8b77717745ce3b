"""Long releases for the benchmarks: ordinary English words, deterministic, up to the 5 MB limit.

    python -m bench.long_release --db bench/out/bench-100000.db --out bench/out/long-100000.db

Writes a copy of `--db` holding, besides its releases, one release of 4.5 MB and one of 1 MB
(external ids `long-4.5mb`, `long-1mb`), loaded by `pressroom ingest` as a user would. Both use the
generator's real words plus a few that the benchmarks search for: `programme`, the phrase
"sustainable development", and `zanzibarian`, which each release holds once, near its end.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

from bench.generate import REAL

MARKER = "zanzibarian"
EXTRA = ["programme", "sustainable", "development", "goals", "Tokayev", "Almaty"]


def long_release(megabytes: float, seed: int = 5) -> dict[str, str]:
    rng = random.Random(seed)
    words = REAL + EXTRA
    size = int(megabytes * 1024 * 1024)
    paragraphs: list[str] = []
    total = 0
    while total < size:
        paragraph = " ".join(rng.choice(words) for _ in range(rng.randint(40, 120)))
        paragraphs.append(paragraph.capitalize() + ".")
        total += len(paragraph) + 3
    paragraphs.insert(len(paragraphs) - 2, f"Near the end, a {MARKER} delegation arrived.")
    return {
        "id": f"long-{megabytes:g}mb",
        "title": f"A release of {megabytes:g} MB",
        "published_on": "2024-05-05",
        "body": "\n\n".join(paragraphs),
        "source": "Long Reports",
        "language": "en",
    }


def long_releases_file(out: Path = Path("bench/out/long-releases.jsonl")) -> Path:
    """The two long releases as JSON Lines (written once)."""
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w") as lines:
            for megabytes in (4.5, 1):
                lines.write(json.dumps(long_release(megabytes)) + "\n")
    return out


def with_long_releases(db: Path, out: Path) -> Path:
    """A copy of `db` with the two long releases ingested (made once, then reused; migrated to
    the head revision first, as `db` may be older)."""
    if out.exists():
        return out
    loading = out.with_suffix(".loading.db")
    shutil.copyfile(db, loading)
    env = os.environ | {"DATABASE_URL": f"sqlite:///{loading}"}
    for command in (["migrate"], ["ingest", str(long_releases_file())]):
        subprocess.run([sys.executable, "-m", "app.cli", *command], env=env, check=True)
    loading.rename(out)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/bench-100000.db"))
    parser.add_argument("--out", type=Path, default=Path("bench/out/long-100000.db"))
    args = parser.parse_args()
    print(with_long_releases(args.db, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
