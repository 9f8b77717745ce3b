"""The releases of a SQLite search page, each with its snippet: FTS5's snippet() over the body of
a short release, over the best passage of a long one (app/search/passages.py), or the title's
highlight() when only the title matched.

Snippets are cut for the words the query looks for, as alternatives, and a prefix term for the
words of the index it stands for (app/search/expansions.py): FTS5 evaluates the MATCH again for
each release of the page, and a prefix would merge every one of its words' document lists again
each time.
"""

import html
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    bindparam,
    exists,
    func,
    literal_column,
    select,
)
from sqlalchemy.sql.expression import ColumnClause

from app.models import PressReleasePassage
from app.queries import SUMMARY_COLUMNS, c, table
from app.reads import Snapshot, Statement
from app.search.grammar import AllOf, Phrase, Term, highlighted
from app.search.passages import PASSAGE_CANDIDATES, SPAN
from app.search.results import CLOSE_MARK, OPEN_MARK, Hit, marks_to_tags

# The FTS5 table as Core sees it (the first migration creates it, not this metadata). `rank` and
# `rowid` are FTS5's hidden columns; the column named like the table takes the MATCH expression.
fts = Table(
    "press_release_fts",
    MetaData(),
    Column("rowid", Integer, key="rowid"),
    Column("rank", Float),
    Column("title", Text),
    Column("body", Text),
    Column("press_release_fts", Text, key="match"),
)
_FTS: ColumnClause[Any] = literal_column("press_release_fts")
_TITLE, _BODY = 0, 1
# The passages of long releases and their own FTS5 index.
passage = PressReleasePassage.__table__  # type: ignore[attr-defined]
passage_fts = Table(
    "press_release_passage_fts",
    MetaData(),
    Column("rowid", Integer, key="rowid"),
    Column("rank", Float),
    Column("body", Text),
    Column("press_release_passage_fts", Text, key="match"),
)
_PASSAGE_FTS: ColumnClause[Any] = literal_column("press_release_passage_fts")

SNIPPET_TOKENS = 24


def fts5_string(text: str) -> str:
    """An FTS5 string: the engine tokenizes what is inside, and nothing inside is syntax."""
    return '"' + text.replace('"', '""') + '"'


def in_title(expression: str, title_only: bool) -> str:
    """The expression restricted to the title column when the query says `title:`."""
    return f"title : ({expression})" if title_only else expression


def _with_last_word(text: str, word: str) -> str:
    """`text` with its last run of letters and digits replaced by `word` (`U.S` and `state`:
    `U.state`), so that the words before it still make a phrase with it."""
    end = len(text)
    while end and not text[end - 1].isalnum():
        end -= 1
    start = end
    while start and text[start - 1].isalnum():
        start -= 1
    return text[:start] + word


def highlight_match(query: AllOf, expansions: dict[Term, list[str]], *, titles: bool) -> str | None:
    """An FTS5 MATCH of the query's words as alternatives (app/search/grammar.py `highlighted`),
    prefixes replaced by the words they stand for; None when nothing is left to mark."""
    words = highlighted(query, titles=titles)
    if words is None:
        return None
    alternatives = []
    for leaf in words.options:
        match leaf:
            case Term(text, True, title_only):
                stands_for = expansions.get(leaf, [])
                found = [fts5_string(_with_last_word(text, word)) for word in stands_for]
            case Term(text, _, title_only) | Phrase(text, title_only):
                found = [fts5_string(text)]
            case _:  # pragma: no cover  (highlighted() gives terms and phrases only)
                raise TypeError(leaf)
        alternatives += [in_title(word, title_only) for word in found]
    return " OR ".join(alternatives) or None


# A long release's snippet comes from its passages: snippet() over its whole body would read all of
# it (28 ms a megabyte), so it is never asked for one, nor for the title's highlight(), which makes
# FTS5 read the whole row; that is asked for apart, when no passage holds the query's words. The
# long releases are few: their ids are read once per database version.
_LONG_IDS = Statement(select(passage.c.release_id).where(passage.c.id % SPAN == 0))
_HIGHLIGHT_TITLE = func.highlight(_FTS, _TITLE, OPEN_MARK, CLOSE_MARK)
_IN_PAGE = c.id.in_(bindparam("ids", expanding=True))
_WORDS = fts.c.match.op("MATCH")(bindparam("words"))
_PAGE_COLUMNS = (
    *SUMMARY_COLUMNS,
    func.snippet(_FTS, _BODY, OPEN_MARK, CLOSE_MARK, "…", SNIPPET_TOKENS).label("_body"),
    _HIGHLIGHT_TITLE.label("_title"),
)
_PAGE_FROM = fts.join(table, c.id == fts.c.rowid)
# The page's short releases that the words to mark match, each found by FTS5's lookup of its
# rowid (a LEFT JOIN to the same, tried first, made SQLite scan every match of the words instead).
_PAGE = Statement(
    select(*_PAGE_COLUMNS)
    .select_from(_PAGE_FROM)
    .where(_WORDS, fts.c.rowid.in_(bindparam("ids", expanding=True)))
)
# The same with scores, for the date orders, whose ranking gave none. bm25 needs each word's
# document count, which FTS5 counts again each time it looks a rowid up (`"of the"`, in 79,509 of
# 100,000 releases: 45 ms a lookup); in one pass over the page's id range it counts once. `+ 0`
# keeps the id list out of the FTS5 lookup.
_PAGE_SCORED = Statement(
    select(*_PAGE_COLUMNS, fts.c.rank.label("_rank"))
    .select_from(_PAGE_FROM)
    .where(
        _WORDS,
        fts.c.rowid.between(bindparam("first"), bindparam("last")),
        (fts.c.rowid + 0).in_(bindparam("ids", expanding=True)),
    )
)
# The others (long releases; short ones a prefix's words missed, as expansions.py does not stem as
# FTS5 does): their summaries alone.
_UNMARKED = Statement(select(*SUMMARY_COLUMNS).where(_IN_PAGE))
_TITLE_ONLY = Statement(
    select(_HIGHLIGHT_TITLE.label("title")).where(
        fts.c.match.op("MATCH")(bindparam("words")), fts.c.rowid == bindparam("id")
    )
)
# The passage that best matches the query's words, among the first PASSAGE_CANDIDATES of one
# release's passages that hold any of them (a release's passages are one id range, in body order):
# bm25 for at most that many, then snippet() for one, on a few KB.
_PASSAGES_MATCHING = passage_fts.c.match.op("MATCH")(bindparam("words"))
_CANDIDATES = (
    select(passage_fts.c.rowid.label("id"), func.bm25(_PASSAGE_FTS).label("score"))
    .where(
        _PASSAGES_MATCHING,
        passage_fts.c.rowid.between(bindparam("first"), bindparam("last")),
    )
    .limit(PASSAGE_CANDIDATES)
    .subquery()
)
_BEST_PASSAGE = Statement(
    select(
        (passage_fts.c.rowid % SPAN).label("n"),
        func.snippet(_PASSAGE_FTS, 0, OPEN_MARK, CLOSE_MARK, "…", SNIPPET_TOKENS).label("snippet"),
        exists().where(passage.c.id == passage_fts.c.rowid + 1).label("more"),
    ).where(
        _PASSAGES_MATCHING,
        passage_fts.c.rowid
        == select(_CANDIDATES.c.id)
        .order_by(_CANDIDATES.c.score, _CANDIDATES.c.id)
        .limit(1)
        .scalar_subquery(),
    )
)


def hits(
    snapshot: Snapshot,
    query: AllOf,
    expansions: dict[Term, list[str]],
    ids: list[int],
    scores: dict[int, float] | None,
) -> list[Hit]:
    """The page's releases in `ids` order, each with its snippet. Scores (bm25 negated: higher is
    better) are computed here only when the ranking did not (the date orders), over the words to
    mark, which scores a release as the whole query does unless it holds prefixes."""
    if not ids:
        return []
    words = highlight_match(query, expansions, titles=True)
    long = {row["release_id"] for row in snapshot.remembered_rows(_LONG_IDS)}.intersection(ids)
    short = [id_ for id_ in ids if id_ not in long]
    rows = []
    if words is not None and short and scores is not None:
        rows = snapshot.rows(_PAGE, {"words": words, "ids": short})
    elif words is not None and short:
        params = {"words": words, "ids": short, "first": min(short), "last": max(short)}
        rows = snapshot.rows(_PAGE_SCORED, params)
    if len(rows) < len(ids):
        marked = {row["id"] for row in rows}
        missing = [id_ for id_ in ids if id_ not in marked]
        rows += [
            row | {"_body": None, "_title": None}
            for row in snapshot.rows(_UNMARKED, {"ids": missing})
        ]
    found = {}
    for summary in rows:
        body, title = summary.pop("_body"), summary.pop("_title")
        rank = summary.pop("_rank", None)
        if summary["id"] in long and words is not None:
            body_words = highlight_match(query, expansions, titles=False)
            body = _passage_snippet(snapshot, body_words, summary["id"])
            if OPEN_MARK not in body:
                title = snapshot.scalar(_TITLE_ONLY, {"words": words, "id": summary["id"]})
        snippet = body if body and OPEN_MARK in body else (title or summary["title"])
        score = scores[summary["id"]] if scores is not None else -(rank or 0.0)
        found[summary["id"]] = Hit(summary, score, mark(snippet))
    return [found[id_] for id_ in ids]


def _passage_snippet(snapshot: Snapshot, words: str | None, release_id: int) -> str:
    """The snippet of a long release, from its best passage, with … wherever the body goes on
    before or after it; empty when no passage holds the query's words (a title-only match)."""
    if words is None:
        return ""
    first = release_id * SPAN
    best = snapshot.first(_BEST_PASSAGE, {"words": words, "first": first, "last": first + SPAN - 1})
    if best is None:
        return ""
    snippet: str = best["snippet"]
    if best["n"] > 0 and not snippet.startswith("…"):
        snippet = "…" + snippet
    if best["more"] and not snippet.endswith("…"):
        snippet += "…"
    return snippet


def mark(snippet: str) -> str:
    """Escape the release's own text, then turn the markers into <mark> tags."""
    return marks_to_tags(html.escape(snippet, quote=False))
