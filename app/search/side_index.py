"""The embedded default's search index: a tantivy index beside the SQLite file, derived from it.

Why not FTS5 (bench/RESULTS.md, "The embedded default's search index"): FTS5 computes bm25 for
every match before it can return the best 20, so a word half of a million releases hold took
405 ms; tantivy's top-k pruning (block-max WAND) answers it in 4, and builds in a third of the
time. SQLite stays the store of record (releases, versions, links, the change log, the vocabulary,
the passages of long releases and their FTS5 index, which only snippets use); this index holds,
for each published release, the analyser's words (app/text, the same output FTS5 and PostgreSQL
take, so every query still matches the same releases) and the values searches filter, sort and
facet on.

How it stays derived from the table:

- Every writer of releases (ingest, `withdraw`/`restore`/`purge`, `reindex`) holds the index's
  writer (tantivy's lock: one at a time) from before its SQLite transaction begins until after it
  commits (`writing`): it writes its documents as it goes, and commits them only once SQLite has
  committed; then it records, in a small file beside the index's own (`STATE`), the number of the
  last change the index holds. A run that fails or is rolled back rolls the index back too.
  (Not a document of the index: each commit would leave a deleted one, and tantivy counts
  deleted documents in bm25's statistics until their segment merges, so scores would depend on
  how many commits made the index.)
- A kill between the commits leaves the recorded number behind the index, and the index behind the
  table, never ahead: the next writer, and `pressroom serve` before it starts, apply the changes
  the log holds after that number again (`bring_in_step`; applying one twice changes nothing). An
  index made by another analyser or schema, or missing, is rebuilt.
- Readers keep one reader per process, reloaded when the recorded state changes (`searcher`);
  while a writer is between its commits a search sees the archive as it was a moment before.
"""

import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import tantivy
from sqlalchemy import Connection, text

from app.db import database_file
from app.text.analyser import version_label
from app.text.common import PAIRS, pairs

FIELDS = ("title", "body")
# Each field's pairs of common words standing together (app/text/common.py), one token each: a
# phrase of common words is found from its pair's releases, where its positions were compared in
# every release holding both words (a phrase of two words half the archive holds: 600 ms). Each
# pair's count is kept, no positions: a phrase of just two common words is its pair alone,
# scored like a word.
PAIR_FIELDS = {"title": "title_pairs", "body": "body_pairs"}
# Title matches weigh ten times body matches, as FTS5's bm25(10.0, 1.0) weighed them.
TITLE_BOOST = 10.0
# What the schema below is: an index made with another is rebuilt. (tantivy opens an index only
# with the schema it was made with: the migration that changes this deletes the old directory,
# `remove`, while no writer runs, and the next writer or start makes the index again.)
SCHEMA_VERSION = 3
STATE = "pressroom-state.json"  # beside tantivy's files: what the index holds (`Held`)
# The writer's memory (split between its threads): the ingest's bound is 300 MB in all.
WRITER_HEAP = 96_000_000
WRITER_THREADS = 1
LOCK_WAIT_SECONDS = 60.0
EPOCH = date(1970, 1, 1).toordinal()
# A date-ordered page sorts by one fast field: the day, then the id, in one integer.
ID_BITS = 32


class IndexBusy(Exception):
    """Another writer holds the search index for longer than a writer waits."""


def location(database: Path) -> Path:
    """Where the index of a SQLite database file lives: beside it, like its -wal and -shm."""
    return database.with_name(database.name + "-index")


def label() -> str:
    """What made an index: the analyser's version and this schema's."""
    return f"{version_label()} schema {SCHEMA_VERSION} common pairs {PAIRS}"


def day(published_on: date) -> int:
    return published_on.toordinal() - EPOCH


def order_key(published_on: date, release_id: int) -> int:
    return (day(published_on) << ID_BITS) | release_id


def from_order_key(key: int) -> tuple[date, int]:
    return date.fromordinal((key >> ID_BITS) + EPOCH), key & ((1 << ID_BITS) - 1)


def _schema() -> Any:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    for field in FIELDS:
        builder.add_text_field(field, tokenizer_name="words", index_option="position")
    for field in PAIR_FIELDS.values():  # which releases hold a pair, and how often
        builder.add_text_field(field, tokenizer_name="words", index_option="freq")
    builder.add_integer_field("published", indexed=True, fast=True)
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_integer_field("order", indexed=True, fast=True)
    for field in ("source", "language"):
        builder.add_text_field(field, tokenizer_name="raw", fast=True, index_option="basic")
    return builder.build()


SCHEMA = _schema()


_WORDS = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


class OtherSchema(Exception):
    """The index at the path was made with another schema: tantivy will not open it."""


def _opened(path: Path) -> Any:
    path.mkdir(parents=True, exist_ok=True)
    try:
        index = tantivy.Index(SCHEMA, path=str(path), reuse=True)
    except ValueError as error:
        if "schema does not match" not in str(error):
            raise
        raise OtherSchema(f"the search index at {path} was made with another schema") from error
    # the analyser's words, separated by spaces, as FTS5's `ascii` tokenizer took them
    index.register_tokenizer("words", _WORDS)
    # readers reload when the database says so (`searcher`), not on a timer of their own
    index.config_reader(reload_policy="Manual")
    return index


@lru_cache(maxsize=64)
def opened(path: Path) -> Any:
    """The index at `path`, opened once per process (created empty when there is none)."""
    return _opened(path)


@dataclass(frozen=True, slots=True)
class Held:
    """What an index holds: the last change applied, what made it, and its commit (tantivy's
    opstamp, which every commit raises)."""

    seq: int
    made_by: str
    commit: int


def held(path: Path) -> Held | None:
    """What the index at `path` holds, as last recorded; None when nothing was."""
    try:
        found = json.loads((path / STATE).read_text())
        return Held(int(found["seq"]), str(found["made_by"]), int(found["commit"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _record(path: Path, state: Held) -> None:
    """Write what the index holds, whole or not at all (a rename)."""
    written = path / (STATE + ".new")
    written.write_text(
        json.dumps({"seq": state.seq, "made_by": state.made_by, "commit": state.commit})
    )
    os.replace(written, path / STATE)


_loaded: dict[Path, Held] = {}  # what each index held when this process's reader last loaded it


class IndexMissing(Exception):
    """A reader found no index beside the database: no writer or start has made it yet."""


@lru_cache(maxsize=1)
def _nothing() -> Any:
    """An index that holds nothing, in memory: what an empty archive's searches read."""
    index = tantivy.Index(SCHEMA)
    index.register_tokenizer("words", _WORDS)
    return index


def searcher(path: Path, *, empty: bool = False) -> Any:
    """A searcher of the index at `path`, reloaded first when a writer has committed since this
    process last loaded it. A reader never makes an index: when there is none, an empty archive
    (`empty`) is searched in one that holds nothing, and any other is IndexMissing."""
    now = held(path)
    try:
        index = opened(path) if now is not None else None
    except OtherSchema:
        index = None  # as good as missing: the next writer or start makes it again
    if now is None or index is None:
        if empty:
            return _nothing().searcher()
        raise IndexMissing(
            f"the search index beside the database ({path}) has not been made: `pressroom "
            "migrate`, `pressroom serve` or `pressroom reindex` makes it"
        )
    if _loaded.get(path) != now:
        index.reload()
        _loaded[path] = now
    return index.searcher()


@dataclass(frozen=True, slots=True)
class Document:
    """A published release as the index holds it."""

    id: int
    title: str  # the analyser's words, space-separated
    body: str
    published_on: date
    source: str | None
    language: str | None


def _document(found: Document) -> Any:
    document = tantivy.Document(
        id=found.id,
        title=found.title,
        body=found.body,
        title_pairs=_pairs(found.title),
        body_pairs=_pairs(found.body),
        published=day(found.published_on),
        year=found.published_on.year,
        order=order_key(found.published_on, found.id),
    )
    if found.source is not None:
        document.add_text("source", found.source)
    if found.language is not None:
        document.add_text("language", found.language)
    return document


def _pairs(words: str) -> str:
    """The pairs of common words standing together in a field's analysed words."""
    return " ".join(pairs(words.split()))


class Writes:
    """One writer's changes to the index, committed after the database's (`commit`)."""

    def __init__(self, index: Any, path: Path) -> None:
        self.index = index
        self.path = path
        self.writer = _writer(index)
        self.caught_up = 0  # releases written to bring the index in step, before this writer's
        # A purge: the index is made again from the table before it commits, so that its files
        # keep no word of the purged text (a deleted document's words stay in its segment until
        # tantivy merges it, and tantivy-py offers no call to make it merge).
        self.scrub = False

    def forget(self, ids: Iterable[int]) -> None:
        for release_id in ids:
            self.writer.delete_documents_by_term("id", release_id)

    def add(self, documents: Iterable[Document]) -> None:
        for found in documents:
            self.writer.add_document(_document(found))

    def commit(self, seq: int) -> None:
        """Commit the changes, recording `seq` as the last change the index holds."""
        commit = self.writer.commit()
        _record(self.path, Held(seq, label(), commit))

    def close(self) -> None:
        """Let the writer's merges finish, and give up the index's lock."""
        self.writer.wait_merging_threads()
        self.writer = None


def _writer(index: Any) -> Any:
    """The index's writer, waiting up to LOCK_WAIT_SECONDS for another writer to give it up."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return index.writer(heap_size=WRITER_HEAP, num_threads=WRITER_THREADS)
        except ValueError as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() > deadline:
                raise IndexBusy(
                    f"another writer (an ingest, or a withdraw, restore or purge) has held the "
                    f"search index for {LOCK_WAIT_SECONDS:.0f} s: run this again once it has "
                    "finished"
                ) from error
            time.sleep(0.1)


_INFO_KEY = "pressroom.side_index"


def writes_of(connection: Connection) -> Writes | None:
    """The index writes of the writer this connection belongs to (`writing`); None on
    PostgreSQL, and for a writer that keeps no index (a migration: the next start rebuilds)."""
    return connection.info.get(_INFO_KEY)


_LAST_CHANGE = text("SELECT coalesce(max(seq), 0) FROM press_release_change")
_CHANGED = text("SELECT DISTINCT release_id FROM press_release_change WHERE seq > :after")
_PUBLISHED = text(
    "SELECT id, title, body, language, published_on, source FROM press_release "
    "WHERE id > :after AND state = 'published' ORDER BY id LIMIT :n"
)
_PUBLISHED_AMONG = text(
    "SELECT id, title, body, language, published_on, source FROM press_release "
    "WHERE state = 'published' AND id IN (SELECT value FROM json_each(:ids))"
)
BATCH = 500


@contextmanager
def writing(connection: Connection, *, catch_up: bool = True) -> Iterator[Writes | None]:
    """The index's writer for the writes this connection is about to make (SQLite only), the
    index brought in step with the database first (unless the caller rebuilds it). The caller
    commits its transaction, then the index (`commit`); anything else rolls the index back."""
    if connection.dialect.name != "sqlite":
        yield None
        return
    path = location(database_file(connection.engine))
    try:
        index = opened(path)
    except OtherSchema:
        # derived from the database, so made again: tantivy opens an index only with its schema
        shutil.rmtree(path)
        opened.cache_clear()
        index = opened(path)
    writes = Writes(index, path)
    connection.info[_INFO_KEY] = writes
    try:
        if catch_up:
            _catch_up(connection, writes)
        yield writes
    finally:
        connection.info.pop(_INFO_KEY, None)
        if writes.writer is not None:
            writes.writer.rollback()
            writes.close()


def commit(connection: Connection, writes: Writes | None) -> None:
    """After the database has committed: the index commits what it was given, with the number of
    the database's last change (no other writer can have made one: each holds the index first)."""
    if writes is None:
        return
    seq = connection.execute(_LAST_CHANGE).scalar_one()
    if writes.scrub:
        rebuild(connection, writes)
    connection.rollback()  # the reads above began a transaction
    writes.commit(seq)
    if writes.scrub:
        writes.writer.garbage_collect_files()


def bring_in_step(connection: Connection) -> int | None:
    """Apply to the index what the database changed since the last change it holds (all of it,
    for an index another analyser or schema made, or none); how many releases were changed, or
    None when it was in step (PostgreSQL: always)."""
    with writing(connection) as writes:
        return None if writes is None or writes.caught_up < 0 else writes.caught_up


def _catch_up(connection: Connection, writes: Writes) -> None:
    """Bring the index in step with the database, and commit it when that changed it
    (`caught_up`: how many releases it changed; -1 when it was in step)."""
    now = held(writes.path)
    last = connection.execute(_LAST_CHANGE).scalar_one()
    writes.caught_up = -1
    # made by another analyser or schema, or holding changes the database never made (the index
    # of another file that stood at this path): made again
    if now is None or now.made_by != label() or now.seq > last:
        writes.caught_up = rebuild(connection, writes)
    elif now.seq < last:
        ids = list(connection.execute(_CHANGED, {"after": now.seq}).scalars())
        writes.forget(ids)
        for start in range(0, len(ids), BATCH):
            part = ids[start : start + BATCH]
            rows = connection.execute(_PUBLISHED_AMONG, {"ids": json.dumps(part)}).all()
            writes.add(_analysed(rows))
        writes.caught_up = len(ids)
    connection.rollback()  # the reads above began a transaction
    if writes.caught_up >= 0:
        writes.commit(last)


def rebuild(connection: Connection, writes: Writes) -> int:
    """Every published release, analysed again, into the index emptied; how many."""
    writes.writer.delete_all_documents()
    after, count = 0, 0
    while rows := connection.execute(_PUBLISHED, {"after": after, "n": BATCH}).all():
        writes.add(_analysed(rows))
        after, count = rows[-1].id, count + len(rows)
    return count


def _analysed(rows: Sequence[Any]) -> list[Document]:
    from app.search.index import analyse  # noqa: PLC0415  (app.search.index writes through here)

    words = analyse("sqlite", [(row.title, row.body, row.language) for row in rows])
    return [
        Document(row.id, title, body, as_date(row.published_on), row.source, row.language)
        for row, (title, body) in zip(rows, words, strict=True)
    ]


def as_date(value: date | str) -> date:
    """A date as read back: a date through SQLAlchemy's types, ISO text through the driver."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def remove(database: Path) -> None:
    """Delete the index of a database file (it is rebuilt by the next writer or start)."""
    path = location(database)
    opened.cache_clear()
    _loaded.clear()
    shutil.rmtree(path, ignore_errors=True)
