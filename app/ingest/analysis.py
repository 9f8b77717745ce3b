"""The text analysis of an ingest run, on a core of its own.

Analysing a release's words costs about as much as storing it, and a run's main process is busy
reading, validating and writing: so the releases of each batch are analysed by one worker process
while the main process stores the batch before. The analysis is a pure function of a release's
title, body and language: the words the index holds (app/search/index.py) and the MinHash bands
of its body's words that near-duplicates are found by (app/text/shingles.py), from one pass of
the analyser over its text; and, since the writer is the busier process, the release's word
count and content hash (app/ingest/normalize.py). A run smaller than one batch, or a
machine with one core, analyses in the main process: a worker's start (about half a second, the
dictionaries loaded again) would cost more than it saves.
"""

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from types import TracebackType
from typing import NamedTuple

from app.config import available_cpus
from app.ingest.normalize import Release, content_hash, word_count
from app.search.index import Analysed, from_terms
from app.text.analyser import terms
from app.text.shingles import bands, words


@dataclass(frozen=True, slots=True)
class Prepared:
    """A batch's analysis, by external id: what the index holds, the bands, and the word count
    and content hash; and every word of the batch (for SQLite's vocabulary:
    app/ingest/store.py)."""

    analysed: dict[str, Analysed]
    bands: dict[str, list[int]]
    derived: dict[str, tuple[int, str]]
    words: list[str]


# analysed(): the batch's analysis, once it is ready
Pending = Callable[[], Prepared]


class Item(NamedTuple):
    """What the worker is sent of a release: the fields its analysis and derived values read."""

    external_id: str
    title: str
    body: str
    language: str | None
    published_on: date
    source: str | None


def prepare(dialect: str, items: Sequence[Item]) -> Prepared:
    """Analyse each release of a batch for the engine, and band its body."""
    title_terms = [terms(item.title, item.language) for item in items]
    body_terms = [terms(item.body, item.language) for item in items]
    analysed = [from_terms(dialect, *both) for both in zip(title_terms, body_terms, strict=True)]
    vocabulary: set[str] = set()
    if dialect == "sqlite":  # PostgreSQL reads them from the tsvectors it stored
        for found in (*title_terms, *body_terms):
            vocabulary.update(found)
    ids = [item.external_id for item in items]
    return Prepared(
        dict(zip(ids, analysed, strict=True)),
        dict(zip(ids, bands([words(item.body) for item in items]), strict=True)),
        {
            item.external_id: (
                word_count(item.body),
                content_hash(item.title, item.published_on, item.body, item.source, item.language),
            )
            for item in items
        },
        sorted(vocabulary),
    )


class Analysis:
    """Analyses batches of releases, each in the background where that pays."""

    def __init__(self, dialect: str, batch_size: int) -> None:
        self.dialect = dialect
        self.batch_size = batch_size
        self.pool: Executor | None = None
        self.background = available_cpus() >= 2  # a core for the worker, one for the writer

    def submit(self, releases: Sequence[Release]) -> Pending:
        items = [
            Item(r.external_id, r.title, r.body, r.language, r.published_on, r.source)
            for r in releases
        ]
        if len(items) < self.batch_size or not self.background:
            done = prepare(self.dialect, items)
            return lambda: done
        if self.pool is None:
            # spawn, not fork: the main process holds a database connection and threads
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        future = self.pool.submit(prepare, self.dialect, items)
        return future.result

    def __enter__(self) -> "Analysis":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
