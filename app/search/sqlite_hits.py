"""The releases of a SQLite search page, each with its snippet (app/search/highlight.py): cut
from the body of a short release, or from the best passage of a long one (app/search/passages.py),
which the passage index picks.

The passage is picked for the words the query looks for, as alternatives, and a prefix term for
the words of the index it stands for (app/search/expansions.py): FTS5 would merge every one of a
prefix's words' document lists again for each release of the page.
"""

from typing import Any

from sqlalchemy import (
    Column,
    ColumnClause,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    func,
    literal_column,
    select,
)

from app.models import press_release_passage
from app.queries import SUMMARY_COLUMNS, c
from app.reads import Snapshot, Statement, member_of
from app.search.best_passage import BestPassage
from app.search.fts5_query import fts5_string, in_title
from app.search.grammar import AllOf, Phrase, Term, highlighted
from app.search.highlight import release_snippet
from app.search.passages import PASSAGE_CANDIDATES, SPAN
from app.search.results import Hit
from app.text.analyser import sequences


# The FTS5 table as Core sees it (the first migration creates it, not this metadata). `rank` and
# `rowid` are FTS5's hidden columns; the column named like the table takes the MATCH expression.
def _fts5_table(name: str, *columns: str) -> Table:
    return Table(
        name,
        MetaData(),
        Column("rowid", Integer, key="rowid"),
        Column("rank", Float),
        *(Column(column, Text) for column in columns),
        Column(name, Text, key="match"),
    )


# The passages of long releases and their own FTS5 index.
passage = press_release_passage
passage_fts = _fts5_table("press_release_passage_fts", "body")
_PASSAGE_FTS: ColumnClause[Any] = literal_column("press_release_passage_fts")


def highlight_match(query: AllOf, expansions: dict[Term, list[str]], *, titles: bool) -> str | None:
    """An FTS5 MATCH of the query's terms and phrases as alternatives (app/search/grammar.py
    `highlighted`), prefixes replaced by the words they stand for; None when there is none."""
    leaves = highlighted(query, titles=titles)
    if leaves is None:
        return None
    alternatives = []
    for leaf in leaves.options:
        match leaf:
            case Term(text, True, title_only):
                options = sequences(text, prefix=True).options
                found = [
                    " ".join((*option[:-1], word))
                    for option in options
                    for word in expansions.get(leaf, [])
                ]
            case Term(text, _, title_only) | Phrase(text, title_only):
                found = [" ".join(option) for option in sequences(text).options]
            case _:  # pragma: no cover  (highlighted() gives terms and phrases only)
                raise TypeError(leaf)
        alternatives += [in_title(fts5_string(words), title_only) for words in found]
    return " OR ".join(dict.fromkeys(alternatives)) or None


# A long release's body is never read whole for a page: its snippet comes from one passage. The
# long releases are few: their ids are read once per database version.
_LONG_IDS = Statement(select(passage.c.release_id).where(passage.c.id % SPAN == 0))
_IN_PAGE = member_of(c.id, "ids")
_SHORT = Statement(select(*SUMMARY_COLUMNS, c.body.label("_body")).where(_IN_PAGE))
_LONG = Statement(select(*SUMMARY_COLUMNS).where(_IN_PAGE))
# The passage that best matches the query's words, among the first PASSAGE_CANDIDATES of one
# release's passages that hold any of them (a release's passages are one id range, in body order):
# bm25 for at most that many, then the text of one, a few KB.
_CANDIDATES = (
    select(passage_fts.c.rowid.label("id"), func.bm25(_PASSAGE_FTS).label("score"))
    .where(
        passage_fts.c.match.op("MATCH")(bindparam("words")),
        passage_fts.c.rowid.between(bindparam("first"), bindparam("last")),
    )
    .limit(PASSAGE_CANDIDATES)
    .subquery()
)
_BEST_PASSAGE = BestPassage(_CANDIDATES, _CANDIDATES.c.score)  # bm25: lower is better


def hits(
    snapshot: Snapshot,
    query: AllOf,
    expansions: dict[Term, list[str]],
    ids: list[int],
    scores: dict[int, float],
) -> list[Hit]:
    """The page's releases in `ids` order, each with its score and its snippet."""
    if not ids:
        return []
    long = {row["release_id"] for row in snapshot.remembered_rows(_LONG_IDS)}.intersection(ids)
    short = [id_ for id_ in ids if id_ not in long]
    rows = snapshot.rows(_SHORT, {"ids": short}) if short else []
    if long:
        rows += [row | {"_body": None} for row in snapshot.rows(_LONG, {"ids": list(long)})]
    body_words = highlight_match(query, expansions, titles=False) if long else None
    found = {}
    for summary in rows:
        body = summary.pop("_body")
        best = None
        if summary["id"] in long and body_words is not None:
            best = _BEST_PASSAGE.read(snapshot, body_words, summary["id"])
        snippet = release_snippet(query, summary["title"], summary["language"], body, best)
        found[summary["id"]] = Hit(summary, scores.get(summary["id"], 0.0), snippet)
    return [found[id_] for id_ in ids]
