"""The text analysis of an ingest run, on a core of its own.

Analysing a release's words costs about as much as storing it, and a run's main process is busy
reading, validating and writing: so the releases of each batch are analysed by one worker process
while the main process stores the batch before (the analyser is a pure function of a release's
title, body and language: app/search/index.py `analyse`). A run smaller than one batch, or a
machine with one core, analyses in the main process: a worker's start (about half a second, the
dictionaries loaded again) would cost more than it saves.
"""

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from types import TracebackType

from app.config import available_cpus
from app.ingest.normalize import Release
from app.search.index import Analysed, analyse

# analysed(): each release's analysis, by external id, once it is ready
Pending = Callable[[], dict[str, Analysed]]


class Analysis:
    """Analyses batches of releases, each in the background where that pays."""

    def __init__(self, dialect: str, batch_size: int) -> None:
        self.dialect = dialect
        self.batch_size = batch_size
        self.pool: Executor | None = None
        self.background = available_cpus() >= 2  # a core for the worker, one for the writer

    def submit(self, releases: Sequence[Release]) -> Pending:
        items = [(r.external_id, r.title, r.body, r.language) for r in releases]
        if len(items) < self.batch_size or not self.background:
            return lambda: _by_id(items, analyse(self.dialect, [i[1:] for i in items]))
        if self.pool is None:
            # spawn, not fork: the main process holds a database connection and threads
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        future = self.pool.submit(analyse, self.dialect, [i[1:] for i in items])
        return lambda: _by_id(items, future.result())

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


def _by_id(
    items: list[tuple[str, str, str, str | None]], analysed: list[Analysed]
) -> dict[str, Analysed]:
    return {item[0]: result for item, result in zip(items, analysed, strict=True)}
