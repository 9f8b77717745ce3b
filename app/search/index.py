"""The full-text index, written from the analyser's output (app/text), on both engines.

Every write of a release's title, body or language goes through here, in the writer's transaction
(ingestion, `pressroom reindex`, the migration that made this index), so the index always agrees
with the table. The engines hold the same words at the same positions:

- SQLite: the index beside the database file (app/search/side_index.py), written through the
  writer that holds it (`side_index.writing`), and committed after the database; and a
  contentless FTS5 table of the passages of long releases, `press_release_passage_fts`, which
  only picks a long release's snippet (its `ascii` tokenizer splits the analysed text on its spaces
  and nothing else). A contentless table forgets a row only when told the words it indexed: they
  are the analysis of the row as stored, which the analyser version recorded beside the index
  (`search_analyser`) guarantees is what was indexed.
- PostgreSQL: the tsvectors of `press_release_search` and `press_release_passage`, built here as
  tsvector text (each word with its positions, the title's weighted A, the body's B), so that
  PostgreSQL's own parser never splits or drops a word.

The body's positions start one after the title's last plus one: a phrase never runs from the
title into the body (FTS5 keeps the columns apart). PostgreSQL keeps positions up to 16,383 and 256
of them for a word: a phrase past those, in a very long release, may be missed there only.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, String, inspect, select, text

from app.db import copy_rows
from app.models import press_release, press_release_passage
from app.reads import Snapshot, Statement, member_of, value_list
from app.search import side_index
from app.search.passages import SPAN
from app.text.analyser import indexed_text, terms, version_label
from app.text.common import PAIR_MARK, PAIRS, common, pair


class StaleIndex(Exception):
    """The search index was built by another version of the text analyser."""


c = press_release.c
MAX_POSITION = 16383
REINDEX_BATCH = 500


# What the index holds for a release, as the engine takes it: (title words, body words) as text
# for FTS5, (tsvector text,) for PostgreSQL.
Analysed = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Indexed:
    """A release as the index sees it, with its analysis when it was made beforehand."""

    id: int
    title: str
    body: str
    language: str | None
    published_on: date
    source: str | None
    analysed: Analysed | None = None


def analyse(dialect: str, releases: Sequence[tuple[str, str, str | None]]) -> list[Analysed]:
    """The analysis of each (title, body, language), for the engine (a pure function)."""
    return [
        from_terms(dialect, terms(title, language), terms(body, language))
        for title, body, language in releases
    ]


def from_terms(dialect: str, title_terms: list[str], body_terms: list[str]) -> Analysed:
    """What the engine indexes for a release whose title and body hold these analysed words."""
    if dialect == "sqlite":
        return from_texts(dialect, " ".join(title_terms), " ".join(body_terms))
    return (_vector_text((title_terms, 1, "A"), (body_terms, len(title_terms) + 2, "B")),)


def from_texts(dialect: str, title: str, body: str) -> Analysed:
    """from_terms() of the analysed words as texts, separated by spaces."""
    if dialect == "sqlite":
        return title, body
    return from_terms(dialect, title.split(), body.split())


def _analysed(dialect: str, release: Indexed) -> Analysed:
    if release.analysed is not None:
        return release.analysed
    return analyse(dialect, [(release.title, release.body, release.language)])[0]


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


@cache
def _labels(weight: str) -> tuple[str, ...]:
    """Each position's text with this weight, `12B`, from 0 to MAX_POSITION (where positions
    stop): looked up, where formatting each took a fifth of the tsvector text's time."""
    return tuple(f"{position}{weight}" for position in range(MAX_POSITION + 1))


def _vector_text(*parts: tuple[list[str], int, str]) -> str:
    """tsvector text of (words, position of the first, weight) parts: each word with its
    positions, each position with its part's weight (none: PostgreSQL's default, D); and each
    pair of common words standing together in a part (app/text/common.py), at the first's."""
    positions: dict[str, list[str]] = {}
    common_words = common()
    for words, first, weight in parts:
        labels = _labels(weight)
        # common.pairs, inline: each pair is found in the words' own pass, at its first word's
        # position (the tsvector needs it; the other callers do not)
        before: str | None = None  # the word before, while it is a common one
        label = ""
        for position, word in enumerate(words, first):
            at = labels[min(position, MAX_POSITION)]
            positions.setdefault(word, []).append(at)
            if word not in common_words:
                before = None
                continue
            if before is not None:
                positions.setdefault(pair(before, word), []).append(label)
            before, label = word, at
    every = "".join(positions)
    if "'" in every or "\\" in every:  # never in an analysed word: a guard, at C speed
        return " ".join(f"{_lexeme(word)}:{','.join(at)}" for word, at in positions.items())
    return " ".join(f"'{word}':{','.join(at)}" for word, at in positions.items())


def tsvector(title: str, body: str, language: str | None) -> str:
    """The tsvector text of a release: title words weighted A, body words B."""
    return from_terms("postgresql", terms(title, language), terms(body, language))[0]


def passage_tsvector(body: str, language: str | None) -> str:
    return _vector_text((terms(body, language), 1, ""))


_PASSAGE_FTS_ADD = text("INSERT INTO press_release_passage_fts (rowid, body) VALUES (:id, :body)")
_PASSAGE_FTS_FORGET = text(
    "INSERT INTO press_release_passage_fts (press_release_passage_fts, rowid, body) "
    "VALUES ('delete', :id, :body)"
)
# PostgreSQL: a batch's rows go in by COPY, once the rows of the same ids are gone (a release
# indexed again). An INSERT a row (ON CONFLICT DO UPDATE) took 21.7 s of an ingest of 100,000
# releases, COPY 11.9 (most of the rest is the GIN index's own work).
_SEARCH_COPY = (
    "COPY press_release_search (id, published_on, source, language, search_vector) FROM STDIN"
)
_SEARCH_REMOVE = text("DELETE FROM press_release_search WHERE id = ANY(:ids)")  # PostgreSQL
_PASSAGE_VECTOR = text(
    "UPDATE press_release_passage SET search_vector = CAST(:vector AS tsvector) WHERE id = :id"
)
# the id lists bound as one value each (app/reads.py's member_of): a list of 2,000 expanded into
# as many parameters cost every batch of an ingest several milliseconds a statement
_PASSAGES_OF = (
    select(press_release_passage.c.id, press_release_passage.c.body)
    .where(member_of(press_release_passage.c.release_id, "ids"))
    .order_by(press_release_passage.c.id)
)
_RELEASES = select(c.id, c.title, c.body, c.language, c.published_on, c.source).where(
    member_of(c.id, "ids")
)


def stored(connection: Connection, ids: Sequence[int]) -> list[Indexed]:
    """The releases with these ids, as stored."""
    if not ids:
        return []
    return [Indexed(*row) for row in connection.execute(_RELEASES, {"ids": list(ids)})]


def _passages(connection: Connection, releases: Sequence[Indexed]) -> list[tuple[int, str, Any]]:
    """(passage id, text, language) of the stored passages of these releases."""
    languages = {release.id: release.language for release in releases}
    ids = list(languages)
    if not ids:
        return []
    return [
        (row.id, row.body, languages[row.id // SPAN])
        for row in connection.execute(_PASSAGES_OF, {"ids": ids})
    ]


# PostgreSQL: GIN adds a row's entries to the index's pending list, and moves the list into the
# index proper (sorted, a word's new rows at once) when it outgrows gin_pending_list_limit: at the
# default 4 MB, about every 650 releases, with work_mem's 4 MB to sort them in. A bulk write lets
# the list grow instead, and moves a whole batch's entries at once, with maintenance_work_mem: the
# COPY of 100,000 releases' search rows a fifth faster, with a third less WAL (bench/RESULTS.md,
# "PostgreSQL ingest by COPY"). The list never holds more than a batch (12 MB for 2,000
# releases), which every search reads while a run writes: a rare word's search 0.3 ms -> 3 ms,
# where the default's 4 MB cost up to a third of that. Moving the list is for the index's owner
# (or a superuser): another role writes at the defaults.
SEARCH_GIN = "ix_press_release_search_vector"
_MAY_MOVE = text(
    "SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = CAST(:index AS regclass)"
)
_LET_GROW = text("SELECT set_config('gin_pending_list_limit', '64MB', true)")
_MOVE = text("SELECT gin_clean_pending_list(CAST(:index AS regclass))")


def bulk_writes(connection: Connection) -> bool:
    """Let the index's new entries wait for `settle` until the transaction ends: whether they
    will (PostgreSQL, and the index's owner)."""
    if connection.dialect.name != "postgresql":
        return False
    if not connection.execute(_MAY_MOVE, {"index": SEARCH_GIN}).scalar_one():
        return False
    connection.execute(_LET_GROW)
    return True


def settle(connection: Connection) -> None:
    """Move the entries waiting since `bulk_writes` into the index proper (after each batch)."""
    connection.execute(_MOVE, {"index": SEARCH_GIN})


def add(connection: Connection, releases: Iterable[Indexed]) -> None:
    """Index these stored releases and their stored passages."""
    releases = list(releases)
    if not releases:
        return
    if connection.dialect.name == "sqlite":
        if (writes := side_index.writes_of(connection)) is not None:
            writes.add(_documents(releases))
        _write_passages(connection, releases, _PASSAGE_FTS_ADD, "body", indexed_text)
        return
    remove(connection, [release.id for release in releases])
    copy_rows(
        connection,
        _SEARCH_COPY,
        (
            (r.id, r.published_on, r.source, r.language, _analysed("postgresql", r)[0])
            for r in releases
        ),
    )
    _write_passages(connection, releases, _PASSAGE_VECTOR, "vector", passage_tsvector)


def remove(connection: Connection, ids: Sequence[int]) -> None:
    """Take these stored releases out of the index (a withdrawal: their rows stay as they are)."""
    if not ids:
        return
    if connection.dialect.name == "sqlite":
        forget(connection, _passage_owners(connection, ids))
    else:
        connection.execute(_SEARCH_REMOVE, {"ids": list(ids)})


def scrub(connection: Connection) -> None:
    """Leave no word of a purged text in the index's files, once the writer commits."""
    if (writes := side_index.writes_of(connection)) is not None:
        writes.scrub = True


def forget(connection: Connection, releases: Iterable[Indexed]) -> None:
    """Take these releases (as stored: call it before their row or passages change) and their
    passages out of the index. PostgreSQL's rows are replaced by `add`, or go with the release."""
    releases = list(releases)
    if releases and connection.dialect.name == "sqlite":
        if (writes := side_index.writes_of(connection)) is not None:
            writes.forget(release.id for release in releases)
        _write_passages(connection, releases, _PASSAGE_FTS_FORGET, "body", indexed_text)


def _documents(releases: list[Indexed]) -> list[side_index.Document]:
    found = []
    for release in releases:
        title, body = _analysed("sqlite", release)
        published_on = side_index.as_date(release.published_on)
        found.append(
            side_index.Document(
                release.id, title, body, published_on, release.source, release.language
            )
        )
    return found


_LANGUAGES = select(c.id, c.language).where(member_of(c.id, "ids"))


def _passage_owners(connection: Connection, ids: Sequence[int]) -> list[Indexed]:
    """These releases as far as forgetting them needs: their ids, and the language their
    passages were analysed in."""
    rows = connection.execute(_LANGUAGES, {"ids": list(ids)})
    return [Indexed(row.id, "", "", row.language, date.min, None) for row in rows]


def _write_passages(
    connection: Connection,
    releases: list[Indexed],
    statement: Any,
    field: str,
    analyse: Callable[[str, str | None], str],
) -> None:
    """Run `statement` for the releases' stored passages, each with its text analysed as `field`."""
    rows = [
        {"id": id_, field: analyse(body, language)}
        for id_, body, language in _passages(connection, releases)
    ]
    if rows:
        connection.execute(statement, rows)


_RECORDED = text("SELECT version FROM search_analyser").columns(version=String)
_FORGET_VERSION = text("DELETE FROM search_analyser")
_RECORD = text("INSERT INTO search_analyser (version) VALUES (:version)")
# The releases the index holds: the published ones (0004's upgrade, before releases had a state,
# indexes every release: ALL_IDS).
NEXT_PUBLISHED_IDS = text(
    "SELECT id FROM press_release WHERE id > :after AND state = 'published' ORDER BY id LIMIT :n"
)
ALL_IDS = text("SELECT id FROM press_release WHERE id > :after ORDER BY id LIMIT :n")
_SQLITE_EMPTY = [
    "INSERT INTO press_release_passage_fts (press_release_passage_fts) VALUES ('delete-all')",
]
_SQLITE_OPTIMIZE = [
    "INSERT INTO press_release_passage_fts (press_release_passage_fts) VALUES ('optimize')",
]
_FORGET_WORDS = text("DELETE FROM search_term")
# the words of a batch join the vocabulary (app/models.py's search_term)
_LEARN_WORDS = {
    "sqlite": text(
        "INSERT OR IGNORE INTO search_term (term) SELECT value FROM json_each(:terms)"
    ).bindparams(value_list("terms")),
    "postgresql": text(
        "INSERT INTO search_term (term) SELECT unnest(CAST(:terms AS text[])) "
        "ON CONFLICT DO NOTHING"
    ).bindparams(value_list("terms")),
}


def learn(connection: Connection, words: Sequence[str]) -> None:
    """These words join the vocabulary (app/models.py's search_term)."""
    connection.execute(_LEARN_WORDS[connection.dialect.name], {"terms": list(words)})


_POSTGRES_VOCABULARY = [
    "TRUNCATE search_term",
    "INSERT INTO search_term (term) SELECT DISTINCT w "
    "FROM press_release_search, unnest(tsvector_to_array(search_vector)) AS w "
    f"WHERE left(w, 1) <> '{PAIR_MARK}'",
]


_SERVED_VERSION = Statement(_RECORDED)


def index_label(dialect: str) -> str:
    """What the index records of the rules it was built by: the analyser's version, and on
    PostgreSQL which pairs of common words its tsvectors hold (app/text/common.py), so that a
    change of either reindexes that engine's archive, and only that one's."""
    label = version_label()
    return f"{label}; common pairs {PAIRS}" if dialect == "postgresql" else label


def stale(connection: Connection | Snapshot) -> str | None:
    """Why the index must be rebuilt before it is written to or trusted; None when it need not."""
    if isinstance(connection, Snapshot):
        recorded = connection.scalar(_SERVED_VERSION)
        label = index_label(connection.dialect_name)
    else:
        recorded = connection.execute(_RECORDED).scalar()
        label = index_label(connection.dialect.name)
    if recorded == label:
        return None
    return (
        f"the search index was built by text analyser {recorded!r}, and this Pressroom's is "
        f"{label!r}: run `pressroom reindex` (or `pressroom migrate`, which does it)"
    )


def require_fresh(connection: Connection) -> None:
    """StaleIndex, saying why, when the index must be rebuilt before it is written to."""
    if (why := stale(connection)) is not None:
        raise StaleIndex(why)


def reindex(
    connection: Connection, progress: Any = None, releases: Any = NEXT_PUBLISHED_IDS
) -> int:
    """Analyse every published release and its passages again and rebuild the index from it, in
    the caller's transaction; record this analyser's version. The number of releases indexed."""
    dialect = connection.dialect.name
    # SQLite's vocabulary is made of the words indexed (since migration 0006, which made it)
    learning = dialect == "sqlite" and inspect(connection).has_table("search_term")
    if dialect == "sqlite":
        for statement in _SQLITE_EMPTY:
            connection.exec_driver_sql(statement)
        if (writes := side_index.writes_of(connection)) is not None:
            writes.writer.delete_all_documents()
        if learning:
            connection.execute(_FORGET_WORDS)
    after, count = 0, 0
    bulk = bulk_writes(connection)
    while ids := connection.execute(releases, {"after": after, "n": REINDEX_BATCH}).scalars().all():
        found = stored(connection, ids)
        analysed = analyse(dialect, [(r.title, r.body, r.language) for r in found])
        add(connection, [replace(r, analysed=a) for r, a in zip(found, analysed, strict=True)])
        if bulk:
            settle(connection)
        if learning:
            words = {word for title, body in analysed for word in (*title.split(), *body.split())}
            learn(connection, sorted(words))
        after, count = ids[-1], count + len(ids)
        if progress is not None:
            progress(len(ids))
    for statement in _SQLITE_OPTIMIZE if dialect == "sqlite" else _POSTGRES_VOCABULARY:
        connection.exec_driver_sql(statement)
    connection.execute(_FORGET_VERSION)
    connection.execute(_RECORD, {"version": index_label(dialect)})
    return count
