"""Links between releases, made at ingest, in the run's transaction: translations (stated by the
input, or found) and near-duplicates (found). Each link is two rows of press_release_link, one
each way.

A run notes the releases it writes (`Links.written`): their body's MinHash bands
(app/text/shingles.py, computed with the analysis, off the writer's core) are kept in a
temporary table, and when the run ends (`Links.finish`) they join the band table and the releases
are linked, set-based, against the whole archive and one another:

- Stated translations: a JSON Lines `translation_of` names another release by external id. The
  statement is kept (press_release_translation_of) until that release exists, in this run or a
  later one, and then becomes a link.
- Found translations: a release and another of the same source, published within a day of it,
  in another language, whose anchors agree strongly (app/text/anchors.py: numbers, dates, names
  across scripts): at least TRANSLATION_SHARED anchors in common and a Dice coefficient of at
  least TRANSLATION_AGREEMENT. A release is given at most one translation per language, the
  best agreeing pair first, and never one in a language it has a translation in already:
  precision first, as an invented link is worse than a missed one. A release without a source or
  a language is never linked this way (nothing says where it came from).
- Translations are transitive: the versions of one release in three languages are each linked to
  the other two.
- Near-duplicates: releases in the same language sharing a MinHash band, whose bodies' shingle
  sets then prove to overlap by DUPLICATE_AT (Jaccard) or more. A translation is never a
  duplicate (its language differs).

A release changed by a later ingest loses the links that were found for it and is linked again;
stated links stay. Withdrawn and purged releases keep their rows (reads skip them), except that a
purge erases them (app/ingest/lifecycle.py).
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Executable,
    Integer,
    MetaData,
    Table,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite

from app.ingest.normalize import Release
from app.models import (
    LinkKind,
    press_release,
    press_release_band,
    press_release_link,
    press_release_translation_of,
)
from app.reads import member_of, value_list
from app.text.anchors import agreement, anchors
from app.text.shingles import BAND_NUMBER, BANDS, DUPLICATE_AT, bands, resemblance, words

TRANSLATION_SHARED = 3
TRANSLATION_AGREEMENT = 0.5
MOST_DUPLICATE_CANDIDATES = 16  # per release, the ones sharing the most bands first
LINK_BATCH = 2000

c = press_release.c
link = press_release_link
band = press_release_band
stated = press_release_translation_of

# The releases of this run to link when it ends.
_pending = Table(
    "ingest_linked",
    MetaData(),
    Column("id", Integer, primary_key=True),
    prefixes=["TEMPORARY"],
)
# The bands of the releases this run wrote, a row a release: band k's key in column bk, or
# NULL (the band table has no index by release: it is written 8 rows a release, and each index
# more costs ingestion; these are looked up by band). One row of 9 values a release, bound as
# the driver's own executemany, costs a tenth of 8 rows of 2 bound as JSON.
_run_bands = Table(
    "ingest_band",
    MetaData(),
    Column("release_id", Integer, nullable=False),
    *(Column(f"b{k}", BigInteger) for k in range(BANDS)),
    prefixes=["TEMPORARY"],
)
# ... read as (band, release id) rows
_run_band_rows = union_all(
    *(
        select(_run_bands.c[f"b{k}"].label("band"), _run_bands.c.release_id).where(
            _run_bands.c[f"b{k}"].is_not(None)
        )
        for k in range(BANDS)
    )
).subquery("run_band")

_FORGET_FOUND = delete(link).where(
    ~link.c.stated, or_(member_of(link.c.release_id, "ids"), member_of(link.c.other_id, "ids"))
)
_FORGET_LINKS = delete(link).where(
    or_(member_of(link.c.release_id, "ids"), member_of(link.c.other_id, "ids"))
)
_FORGET_STATED = delete(stated).where(member_of(stated.c.release_id, "ids"))
_STATED = (
    select(stated.c.release_id.label("a"), c.id.label("b"))
    .join(press_release, c.external_id == stated.c.external_id)
    .where(
        c.id != stated.c.release_id,
        or_(
            stated.c.release_id.in_(select(_pending.c.id)),
            c.id.in_(select(_pending.c.id)),
        ),
    )
)
_KEEP_RUN_BANDS = insert(band).from_select(
    ["band", "release_id"],
    select(_run_band_rows.c.band, _run_band_rows.c.release_id).order_by(
        _run_band_rows.c.band, _run_band_rows.c.release_id
    ),
)
_theirs = band.alias("theirs")
_shared = func.count().label("shared")
# the run's bands against every release's, by the band table's primary key
_DUPLICATE_CANDIDATES = (
    select(_run_band_rows.c.release_id.label("a"), _theirs.c.release_id.label("b"), _shared)
    .join(_theirs, _theirs.c.band == _run_band_rows.c.band)
    .where(_theirs.c.release_id != _run_band_rows.c.release_id)
    .group_by(_run_band_rows.c.release_id, _theirs.c.release_id)
    .order_by(_run_band_rows.c.release_id, _shared.desc(), _theirs.c.release_id)
)
# The same source, within a day, another language, both published (the literal condition lets
# the planner use the partial (source, published_on, id) index: app/models.py).
_TRANSLATION_CANDIDATES = """
SELECT l.id AS a, r.id AS b FROM ingest_linked AS l
JOIN press_release AS x ON x.id = l.id
JOIN press_release AS r ON r.source = x.source AND r.published_on BETWEEN {low} AND {high}
    AND r.state = 'published'
WHERE x.state = 'published' AND x.language IS NOT NULL AND r.language IS NOT NULL
    AND r.language <> x.language
"""
# Whether the published releases are in two languages or more: two probes of the (language, …)
# index, whatever the archive holds.
_FIRST_LANGUAGE = text("SELECT min(language) FROM press_release WHERE state = 'published'")
_ANOTHER_LANGUAGE = text(
    "SELECT 1 FROM press_release WHERE state = 'published' AND language > :first LIMIT 1"
)
_DAY_RANGE = {
    "sqlite": ("date(x.published_on, '-1 day')", "date(x.published_on, '+1 day')"),
    "postgresql": ("x.published_on - 1", "x.published_on + 1"),
}
_BODIES = select(c.id, c.body).where(member_of(c.id, "ids"))
_TEXTS = select(c.id, c.title, c.body, c.language, c.state).where(member_of(c.id, "ids"))
_TRANSLATIONS_OF = (
    select(link.c.release_id, link.c.other_id, c.language)
    .join(press_release, c.id == link.c.other_id)
    .where(link.c.kind == LinkKind.TRANSLATION.value, member_of(link.c.release_id, "ids"))
)


@dataclass(frozen=True, slots=True)
class _Text:
    title: str
    body: str
    language: str | None
    published: bool


class Links:
    """The links of one ingest run (or of the whole archive, for the migration that made them)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        _pending.create(connection)
        _run_bands.create(connection)

    def written(
        self,
        releases: Sequence[tuple[int, Release, bool]],
        keys: Mapping[str, list[int]],
    ) -> None:
        """These (id, release, whether it was an update) were just written: their bands stored,
        their statements noted, the published ones linked when the run ends."""
        if not releases:
            return
        self.banded([(i, keys.get(release.external_id, [])) for i, release, _ in releases])
        self.stated([(i, r) for i, r, _ in releases if r.translation_of is not None])
        self.pend([i for i, release, _ in releases if release.withdrawal is None])

    def banded(self, releases: Sequence[tuple[int, list[int]]]) -> None:
        """These (id, band keys) releases' bands, kept for the end of the run (`finish` adds them
        to the band table in key order)."""
        rows = []
        for release_id, keys in releases:
            if keys:
                row: list[int | None] = [release_id, *[None] * BANDS]
                for key in keys:
                    row[1 + (key & BAND_NUMBER)] = key
                rows.append(tuple(row))
        if rows:
            self.connection.exec_driver_sql(_KEEP_BANDS[self.connection.dialect.name], rows)

    def changing(self, releases: Sequence[tuple[int, str]]) -> None:
        """These (id, body as stored) releases are about to change: the links found for them
        and their bands go."""
        if releases:
            ids = [release_id for release_id, _ in releases]
            self.connection.execute(_FORGET_FOUND, {"ids": ids})
            forget_bands(self.connection, releases)

    def pend(self, ids: list[int]) -> None:
        """Link these releases when the run ends."""
        if ids:
            statement = _PEND[self.connection.dialect.name]
            self.connection.execute(statement, {"ids": ids})

    def stated(self, releases: Sequence[tuple[int, Release]]) -> None:
        """Record what these releases' input says they translate; link them when the run ends."""
        if not releases:
            return
        ids = [release_id for release_id, _ in releases]
        self.connection.execute(_FORGET_STATED, {"ids": ids})
        self.connection.execute(
            insert(stated),
            [{"release_id": i, "external_id": r.translation_of} for i, r in releases],
        )
        self.pend(ids)

    def finish(self) -> None:
        """Link the run's releases, then forget them."""
        connection = self.connection
        # The run's bands join the archive's now, in the primary key's order: inserted a batch
        # at a time, at random places of the B-tree, 800,000 rows took 6 s; in order, 0.6.
        connection.execute(_KEEP_RUN_BANDS)
        translations = [(row.a, row.b) for row in connection.execute(_STATED)]
        self._link(LinkKind.TRANSLATION, translations, stated_links=True)
        self._link(LinkKind.DUPLICATE, self._duplicates())
        found = self._found_translations()
        self._link(LinkKind.TRANSLATION, found)
        self._close({i for pair in translations + found for i in pair})
        _pending.drop(connection)
        _run_bands.drop(connection)

    def _texts(self, ids: Iterable[int]) -> dict[int, _Text]:
        wanted = sorted(set(ids))
        found: dict[int, _Text] = {}
        for start in range(0, len(wanted), LINK_BATCH):
            chunk = wanted[start : start + LINK_BATCH]
            for row in self.connection.execute(_TEXTS, {"ids": chunk}):
                found[row.id] = _Text(row.title, row.body, row.language, row.state == "published")
        return found

    def _duplicates(self) -> list[tuple[int, int]]:
        candidates: dict[int, list[int]] = defaultdict(list)
        for row in self.connection.execute(_DUPLICATE_CANDIDATES):
            if len(candidates[row.a]) < MOST_DUPLICATE_CANDIDATES:
                candidates[row.a].append(row.b)
        pairs = {(min(a, b), max(a, b)) for a, others in candidates.items() for b in others}
        if not pairs:
            return []
        texts = self._texts(i for pair in pairs for i in pair)
        read: dict[int, list[str]] = {}

        def body_words(release_id: int) -> list[str]:
            if release_id not in read:
                read[release_id] = words(texts[release_id].body)
            return read[release_id]

        found = []
        for a, b in sorted(pairs):
            first, second = texts.get(a), texts.get(b)
            if first is None or second is None or not (first.published and second.published):
                continue
            if first.language != second.language:
                continue
            if resemblance(body_words(a), body_words(b)) >= DUPLICATE_AT:
                found.append((a, b))
        return found

    def _found_translations(self) -> list[tuple[int, int]]:
        first = self.connection.execute(_FIRST_LANGUAGE).scalar()
        if self.connection.execute(_ANOTHER_LANGUAGE, {"first": first}).first() is None:
            return []  # an archive in one language has no translation to find
        low, high = _DAY_RANGE[self.connection.dialect.name]
        query = _TRANSLATION_CANDIDATES.format(low=low, high=high)
        pairs = {
            (min(row.a, row.b), max(row.a, row.b)) for row in self.connection.exec_driver_sql(query)
        }
        if not pairs:
            return []
        ids = {i for pair in pairs for i in pair}
        texts = self._texts(ids)
        keys = {i: anchors(t.title, t.body, t.language) for i, t in texts.items()}
        # the languages each release has a translation in already
        has: dict[int, set[str | None]] = defaultdict(set)
        for row in self.connection.execute(_TRANSLATIONS_OF, {"ids": sorted(ids)}):
            has[row.release_id].add(row.language)
        scored = []
        for a, b in pairs:
            shared, dice = agreement(keys[a], keys[b])
            if shared >= TRANSLATION_SHARED and dice >= TRANSLATION_AGREEMENT:
                scored.append((-dice, -shared, a, b))
        found = []
        for _, _, a, b in sorted(scored):
            first, second = texts[a].language, texts[b].language
            if second in has[a] or first in has[b]:
                continue
            has[a].add(second)
            has[b].add(first)
            found.append((a, b))
        return found

    def _close(self, touched: set[int]) -> None:
        """Link every two versions of one release: the translations of a translation."""
        if not touched:
            return
        neighbours: dict[int, set[int]] = defaultdict(set)
        frontier = set(touched)
        seen: set[int] = set()
        while frontier:
            seen |= frontier
            rows = self.connection.execute(_TRANSLATIONS_OF, {"ids": sorted(frontier)})
            frontier = set()
            for row in rows:
                neighbours[row.release_id].add(row.other_id)
                if row.other_id not in seen:
                    frontier.add(row.other_id)
        missing = set()
        for start in touched:
            group, stack = {start}, [start]
            while stack:
                for other in neighbours[stack.pop()]:
                    if other not in group:
                        group.add(other)
                        stack.append(other)
            missing |= {(start, other) for other in group - {start} - neighbours[start]}
        self._link(LinkKind.TRANSLATION, sorted({(min(p), max(p)) for p in missing}))

    def _link(
        self, kind: LinkKind, pairs: Sequence[tuple[int, int]], stated_links: bool = False
    ) -> None:
        rows = [
            {"release_id": a, "kind": kind.value, "other_id": b, "stated": stated_links}
            for first, second in pairs
            for a, b in ((first, second), (second, first))
        ]
        for start in range(0, len(rows), LINK_BATCH):
            self.connection.execute(
                _insert_ignoring(self.connection, link), rows[start : start + LINK_BATCH]
            )


def _insert_ignoring(connection: Connection, table: Table) -> Executable:
    """An INSERT that leaves a row whose key is taken as it is."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def forget(connection: Connection, ids: Sequence[int]) -> None:
    """Erase these releases' links, bands and statements (a purge: before the text goes)."""
    if not ids:
        return
    forget_bands(
        connection, [(row.id, row.body) for row in connection.execute(_BODIES, {"ids": list(ids)})]
    )
    for statement in (_FORGET_LINKS, _FORGET_STATED):
        connection.execute(statement, {"ids": list(ids)})


# Rows bound as one value each, a batch in one statement (16,000 bands a batch through
# executemany cost a tenth of an ingest's writing): JSON text on SQLite, arrays on PostgreSQL.
_BAND_ROWS = {
    "sqlite": "SELECT value ->> 0, value ->> 1 FROM json_each(:rows)",
    "postgresql": "SELECT * FROM unnest(CAST(:bands AS bigint[]), CAST(:ids AS integer[]))",
}
_KEEP_BANDS = {
    dialect: f"INSERT INTO {_run_bands.name} VALUES ({', '.join([mark] * (BANDS + 1))})"
    for dialect, mark in (("sqlite", "?"), ("postgresql", "%s"))
}
_FORGET_BAND_ROWS = "DELETE FROM press_release_band WHERE (band, release_id) IN ({rows})"
_PEND = {
    "sqlite": text(
        "INSERT OR IGNORE INTO ingest_linked (id) SELECT value FROM json_each(:ids)"
    ).bindparams(value_list("ids")),
    "postgresql": text(
        "INSERT INTO ingest_linked (id) SELECT unnest(CAST(:ids AS integer[])) "
        "ON CONFLICT DO NOTHING"
    ).bindparams(value_list("ids")),
}


def _band_params(connection: Connection, rows: list[tuple[int, int]]) -> dict[str, Any]:
    if connection.dialect.name == "sqlite":
        return {"rows": json.dumps(rows)}
    bands, ids = zip(*rows, strict=True)
    return {"bands": list(bands), "ids": list(ids)}


def _band_rows(connection: Connection) -> str:
    """The SELECT that reads (band, release id) rows bound as `_band_params` binds them."""
    return _BAND_ROWS[connection.dialect.name]


def forget_bands(connection: Connection, releases: Sequence[tuple[int, str]]) -> None:
    """Delete the bands of these (id, body as stored) releases: computed again from the body,
    as they were when it was stored (they depend on its words alone)."""
    keys = bands([words(body) for _, body in releases])
    rows = [(k, i) for (i, _), ks in zip(releases, keys, strict=True) for k in ks]
    if rows:
        statement = _FORGET_BAND_ROWS.format(rows=_band_rows(connection))
        connection.execute(text(statement), _band_params(connection, rows))


_PUBLISHED_BODIES = text(
    "SELECT id, body FROM press_release WHERE id > :after AND state = 'published' "
    "ORDER BY id LIMIT :n"
)


def link_archive(connection: Connection) -> int:
    """Band and link every published release, as if the whole archive were ingested in one run
    (the migration that made links). The number of releases banded."""
    run = Links(connection)
    after, count = 0, 0
    while rows := connection.execute(_PUBLISHED_BODIES, {"after": after, "n": LINK_BATCH}).all():
        keys = bands([words(row.body) for row in rows])
        run.banded([(row.id, ks) for row, ks in zip(rows, keys, strict=True)])
        run.pend([row.id for row in rows])
        after, count = rows[-1].id, count + len(rows)
    run.finish()
    return count
