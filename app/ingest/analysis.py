"""The text analysis of an ingest run, in worker processes beside the writer.

Analysing a release's words costs about as much as storing it, and a run's main process is busy
reading, validating and writing: so the releases of each batch are analysed by a worker process
while the main process stores the batches before. Two workers, each taking every other batch: with
one, the writer waited 3.7 s of a 100,000-release run for it, and two fill the cores the writer and
the search index's thread leave (17.6 -> 16.8 s on two cores; WORKERS). The analysis is a pure
function of a release's title, body and language: the words the index holds (app/search/index.py)
and the MinHash bands of its body's words that near-duplicates are found by (app/text/shingles.py),
from one pass of the analyser over its text; and, since the writer is the busier process, the
release's word count and content hash (app/ingest/normalize.py). A run smaller than one batch, or a
machine with one core, analyses in the main process: a worker's start (about half a second, the
dictionaries loaded again) would cost more than it saves.
"""

import gc
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from types import TracebackType
from typing import NamedTuple

import numpy as np

from app.config import available_cpus
from app.ingest.normalize import Release, content_hash
from app.ingest.tokens import TokenTable
from app.search.index import Analysed, from_texts
from app.text.analyser import is_kazakh
from app.text.shingles import bands_of


@dataclass(frozen=True, slots=True)
class Prepared:
    """A batch's analysis, by external id: what the index holds, the bands, and the word count
    and content hash; and every word of the batch (for the vocabulary: app/ingest/store.py)."""

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


# the tokens met by this process's analyses, for texts not in Kazakh and in Kazakh
_TABLES = (TokenTable(kazakh_text=False), TokenTable(kazakh_text=True))


def prepare(dialect: str, items: Sequence[Item]) -> Prepared:
    """Analyse each release of a batch for the engine, and band its body. A text is split at
    white space once, into tokens numbered in a table (app/ingest/tokens.py): a body's words, its
    bands and its word count (its tokens holding a word, as word_count() counts) are read off
    the table by number."""
    for table in _TABLES:
        table.start_batch()
    kazakh = [is_kazakh(item.language) for item in items]
    numbered = [
        (_TABLES[k].numbers(item.title), _TABLES[k].numbers(item.body))
        for item, k in zip(items, kazakh, strict=True)
    ]
    views = [table.view() for table in _TABLES]
    analysed, hashes, derived = {}, [], {}
    for item, k, (title, body) in zip(items, kazakh, numbered, strict=True):
        view = views[k]
        analysed[item.external_id] = from_texts(dialect, view.text(title), view.text(body))
        hashes.append(view.hashes[body])
        derived[item.external_id] = (
            view.word_count(body),
            content_hash(item.title, item.published_on, item.body, item.source, item.language),
        )
    keys = bands_of([len(found) for found in hashes], np.concatenate(hashes))
    vocabulary: set[str] = set()
    for of_kazakh, view in zip((False, True), views, strict=True):
        texts = [
            np.concatenate(both) for both, k in zip(numbered, kazakh, strict=True) if k == of_kazakh
        ]
        if texts:
            vocabulary |= view.vocabulary(np.concatenate(texts))
    return Prepared(
        analysed,
        dict(zip((item.external_id for item in items), keys, strict=True)),
        derived,
        sorted(vocabulary),
    )


WORKERS = 2
IN_FLIGHT = WORKERS + 1  # batches held at once: the one being stored, one for each worker

# A run allocates millions of short-lived lists, tuples and rows, and makes few reference cycles:
# with the default thresholds (a collection every 700 new objects, and the whole heap scanned
# again and again as it grows) the cyclic garbage collector took a fifth of the worker's time
# (13.5 -> 10.7 s for the 100,000-release bench archive) and 1.7 s of the writer's. Collected
# seldom, not never: what cycles there are still go.
GC_THRESHOLDS = (100_000, 50, 1000)


def _collect_seldom() -> None:
    gc.set_threshold(*GC_THRESHOLDS)


@contextmanager
def collecting_seldom() -> Iterator[None]:
    """The garbage collector's thresholds raised for a run (GC_THRESHOLDS), then put back."""
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


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
            self.pool = ProcessPoolExecutor(
                max_workers=WORKERS, mp_context=context, initializer=_collect_seldom
            )
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
