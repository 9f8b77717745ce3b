"""FTS5 against tantivy (a search library with top-k pruning: block-max WAND), fed the same
analysed words (app/text/analyser.py, as app/search/index.py gives them to FTS5), in one process,
interleaved: the top 20 by BM25 with the exact number of matches, then the cost of building each
index (issue 17: which index the embedded default should search with).

    python -m bench.index_engines --db bench/out/bench-100000.db [--queries 60]

Every query is another, drawn from the FTS5 index's own vocabulary (fts5vocab) by how many
releases hold its words:

rare          one word 20 to 200 releases hold
phrase        two consecutive words of a random release's body, as a phrase
two words     two words 2% to 10% of releases hold each, both required
common        one word 10% to 60% of releases hold
common OR     such a word OR the archive's most frequent word

A word matches in the title or the body on both (FTS5: any column; tantivy: a should-clause per
field), and the two must count the same matches for every query, or the run fails. Both indexes
are built for the run in temporary directories, from the releases' title and body analysed again
(two processes), and timed: FTS5 into a fresh contentless table (batches of 2,000, then
`optimize`, as `pressroom ingest` writes it), tantivy with two threads.
"""

import argparse
import functools
import multiprocessing
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import tantivy

from app.search.index import analyse
from bench.results import Report
from bench.vocabulary import word_counts

BATCH = 2000
TOP = 20
FIELDS = ("title", "body")


def analysed_archive(db: Path) -> list[tuple[int, str, str]]:
    """(id, title words, body words) of every indexed release, analysed in two processes."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT r.id, r.title, r.body, r.language FROM press_release AS r "
            "WHERE r.state = 'published' ORDER BY r.id"
        ).fetchall()
    chunks = [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        texts = [[(t, b, lang) for _, t, b, lang in chunk] for chunk in chunks]
        parts = pool.map(functools.partial(analyse, "sqlite"), texts)
    found = []
    for chunk, part in zip(chunks, parts, strict=True):
        for (release_id, *_), (title, body) in zip(chunk, part, strict=True):
            found.append((release_id, title, body))
    return found


def _schema() -> Any:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    for field in FIELDS:
        builder.add_text_field(field, tokenizer_name="words", index_option="position")
    return builder.build()


def _open(path: Path) -> Any:
    index = tantivy.Index(_schema(), path=str(path))
    # the analyser's words, separated by spaces, as FTS5's `ascii` tokenizer takes them
    words = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
    index.register_tokenizer("words", words)
    return index


def build_tantivy(path: Path, releases: list[tuple[int, str, str]]) -> float:
    path.mkdir(parents=True)
    index = _open(path)
    start = time.perf_counter()
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    for release_id, title, body in releases:
        writer.add_document(tantivy.Document(id=release_id, title=title, body=body))
    writer.commit()
    writer.wait_merging_threads()
    return time.perf_counter() - start


def build_fts5(releases: list[tuple[int, str, str]]) -> tuple[float, float]:
    """Seconds, and MB of the database file."""
    with tempfile.TemporaryDirectory(dir="bench/out") as work:
        path = Path(work) / "fts.db"
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(
            "CREATE VIRTUAL TABLE fts USING fts5(title, body, content='', tokenize='ascii')"
        )
        start = time.perf_counter()
        connection.execute("BEGIN")
        for i in range(0, len(releases), BATCH):
            connection.executemany(
                "INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)", releases[i : i + BATCH]
            )
        connection.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        connection.execute("COMMIT")
        elapsed = time.perf_counter() - start
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        return elapsed, _size(Path(work))


def _size(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


Query = list[list[str]]  # all of these, each any of its (phrase) options: [[w1], [w2 w3]]


def draw(db: Path, releases: list[tuple[int, str, str]], count: int) -> dict[str, list[Query]]:
    rng = random.Random(17)
    vocabulary = [(t, n) for t, n in word_counts(db) if "a" <= t[:1] <= "z"]
    size = len(releases)
    by_share: dict[str, list[str]] = {"rare": [], "mid": [], "common": []}
    for term, doc in vocabulary:
        if 20 <= doc <= 200:
            by_share["rare"].append(term)
        elif 0.02 * size <= doc <= 0.1 * size:
            by_share["mid"].append(term)
        elif 0.1 * size <= doc <= 0.6 * size:
            by_share["common"].append(term)
    most = max(vocabulary, key=lambda row: row[1])[0]
    phrases: list[Query] = []
    while len(phrases) < count:
        body = rng.choice(releases)[2].split()
        if len(body) > 2:
            at = rng.randrange(len(body) - 1)
            phrases.append([[f"{body[at]} {body[at + 1]}"]])
    pick = rng.choice
    return {
        "rare": [[[pick(by_share["rare"])]] for _ in range(count)],
        "phrase": phrases,
        "two words": [[[pick(by_share["mid"])], [pick(by_share["mid"])]] for _ in range(count)],
        "common": [[[pick(by_share["common"])]] for _ in range(count)],
        "common OR": [[[pick(by_share["common"]), most]] for _ in range(count)],
    }


def fts5_query(query: Query) -> str:
    def option(words: str) -> str:
        return '"' + words.replace('"', '""') + '"'

    return " AND ".join("(" + " OR ".join(option(o) for o in group) + ")" for group in query)


def tantivy_query(schema: Any, query: Query) -> Any:
    def option(words: str) -> list[Any]:
        parts = words.split()
        if len(parts) == 1:
            return [tantivy.Query.term_query(schema, f, parts[0]) for f in FIELDS]
        phrase: list[str | tuple[int, str]] = list(parts)
        return [tantivy.Query.phrase_query(schema, f, phrase) for f in FIELDS]

    groups = [
        tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, q) for words in group for q in option(words)]
        )
        for group in query
    ]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, g) for g in groups])


def measure(
    db: Path, index: Any, queries: dict[str, list[Query]]
) -> dict[str, dict[str, list[float]]]:
    connection = sqlite3.connect(db)
    searcher = index.searcher()
    schema = index.schema
    top = (
        "SELECT rowid FROM press_release_fts WHERE press_release_fts MATCH ? "
        f"ORDER BY rank LIMIT {TOP}"
    )
    total = "SELECT count(*) FROM press_release_fts WHERE press_release_fts MATCH ?"
    times: dict[str, dict[str, list[float]]] = {}
    for kind, drawn in queries.items():
        times[kind] = {"FTS5": [], "tantivy": []}
        for query in drawn:
            match = fts5_query(query)
            start = time.perf_counter()
            connection.execute(top, (match,)).fetchall()
            fts_count = connection.execute(total, (match,)).fetchone()[0]
            times[kind]["FTS5"].append(time.perf_counter() - start)
            start = time.perf_counter()
            found = searcher.search(tantivy_query(schema, query), TOP, count=True)
            times[kind]["tantivy"].append(time.perf_counter() - start)
            if found.count != fts_count:
                raise SystemExit(f"{query}: FTS5 counts {fts_count} matches, tantivy {found.count}")
    connection.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("bench/out/bench-100000.db"))
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    releases = analysed_archive(args.db)
    fts5_seconds, fts5_size = build_fts5(releases)
    with tempfile.TemporaryDirectory(dir="bench/out") as work:
        path = Path(work) / "tantivy"
        seconds = build_tantivy(path, releases)
        builds = [("FTS5", fts5_seconds, fts5_size), ("tantivy", seconds, _size(path))]
        index = _open(path)
        index.reload()
        queries = draw(args.db, releases, args.queries)
        measure(args.db, index, {kind: drawn[:3] for kind, drawn in queries.items()})  # warm up
        times = measure(args.db, index, queries)
    out = Report("index-engines")
    out(f"{len(releases):,} releases of {args.db}, {args.queries} queries of each kind, each")
    out(f"another; top {TOP} by BM25 and the exact count, the same count on both for every query")
    out()
    out("| query | FTS5 p50 ms | tantivy p50 ms | FTS5 max ms | tantivy max ms |")
    out("|---|---|---|---|---|")
    for kind, by_engine in times.items():
        fts, tv = by_engine["FTS5"], by_engine["tantivy"]
        out(
            f"| {kind} | {statistics.median(fts) * 1e3:.2f} | {statistics.median(tv) * 1e3:.2f} "
            f"| {max(fts) * 1e3:.1f} | {max(tv) * 1e3:.1f} |"
        )
    out()
    out("| index build (the same analysed words) | seconds | MB |")
    out("|---|---|---|")
    for name, build_seconds, size in builds:
        out(f"| {name} | {build_seconds:.1f} | {size:.0f} |")
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
