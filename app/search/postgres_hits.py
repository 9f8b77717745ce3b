"""The releases of a PostgreSQL search page, each with its snippet: ts_headline over the body of a
short release, over the best passage of a long one (app/search/passages.py), or over the title
when only the title matched. Each is fed HTML-escaped text, so that a release's own markup stays
text, and marks the query's words as the engine matched them (prefixes included)."""

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    select,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

from app.models import PressReleasePassage
from app.queries import SUMMARY_COLUMNS, c, table
from app.reads import Snapshot, Statement
from app.search.passages import PASSAGE_CANDIDATES, SPAN
from app.search.results import CLOSE_MARK, OPEN_MARK, Hit, marks_to_tags

CONFIG: Any = literal_column("'pressroom'::regconfig")
# The full-text index (migration 0003): each release's weighted tsvector (title A, body B) beside
# its filter and facet columns, in a narrow row that searches read instead of press_release's.
search_index = Table(
    "press_release_search",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("published_on", Date),
    Column("source", String),
    Column("language", String),
    Column("search_vector", TSVECTOR),
)
VECTOR: Any = search_index.c.search_vector
QUERY = func.to_tsquery(CONFIG, bindparam("tsquery"))
# ts_rank_cd's default weights (D, C, B, A) = (0.1, 0.2, 0.4, 1.0): a title hit counts most
RANK = func.ts_rank_cd(VECTOR, QUERY)


def _escaped(column: Any) -> Any:
    """The column HTML-escaped in SQL, before ts_headline: given raw text, ts_headline drops the
    release's own markup (`<b>`) instead of showing it; escaped, it shows it as text."""
    ampersands = func.replace(column, "&", "&amp;")
    return func.replace(func.replace(ampersands, "<", "&lt;"), ">", "&gt;")


_BODY_OPTIONS = (
    f"StartSel={OPEN_MARK}, StopSel={CLOSE_MARK}, MaxWords=24, MinWords=12, "
    "MaxFragments=1, FragmentDelimiter=…"
)
_TITLE_OPTIONS = f"StartSel={OPEN_MARK}, StopSel={CLOSE_MARK}, HighlightAll=true"


def _cuts(headline: Any, escaped: Any) -> tuple[Any, Any]:
    """Whether text was cut before and after the headline's fragment, told by where the fragment
    sits in the (escaped) text it came from, to be marked with … as FTS5's snippet() marks it."""
    fragment = func.replace(func.replace(headline, OPEN_MARK, ""), CLOSE_MARK, "")
    at = func.strpos(escaped, fragment)
    return (at > 1).label("_cut_before"), (
        at + func.length(fragment) <= func.length(escaped)
    ).label("_cut_after")


# A long release's snippet comes from its passages (app/search/passages.py): ts_headline over its
# whole body would parse all of it (125 ms a megabyte), so it is not even asked for.
passage = PressReleasePassage.__table__  # type: ignore[attr-defined]
# (a bigint: ids from 2,048 on times 2**20 overflow PostgreSQL's integer)
_HAS_PASSAGES = exists().where(passage.c.id == cast(c.id, BigInteger) * SPAN)
# Each ts_headline is computed once, in a subquery (PostgreSQL computes a repeated expression as
# many times as it is written); the outer query reads where the fragment sits in the body.
_HEADLINES = (
    select(
        c.id.label("hid"),
        case((_HAS_PASSAGES, null()), else_=_escaped(c.body)).label("escaped_body"),
        case(
            (_HAS_PASSAGES, null()),
            else_=func.ts_headline(CONFIG, _escaped(c.body), QUERY, _BODY_OPTIONS),
        ).label("body"),
        func.ts_headline(CONFIG, _escaped(c.title), QUERY, _TITLE_OPTIONS).label("title"),
        RANK.label("rank"),
    )
    .select_from(table.join(search_index, search_index.c.id == c.id))
    .where(c.id.in_(bindparam("ids", expanding=True)))
    .subquery()
)
_h = _HEADLINES.c
_PAGE = Statement(
    select(
        *SUMMARY_COLUMNS,
        _h.body.label("_body"),
        *_cuts(_h.body, _h.escaped_body),
        _h.title.label("_title"),
        _h.rank.label("_rank"),
    ).join_from(c.id.table, _HEADLINES, c.id == _h.hid)
)
# The passage that best matches the query's words, among the first PASSAGE_CANDIDATES of one
# release's passages that hold any of them (a release's passages are one id range, in body order).
_WORDS = func.to_tsquery(CONFIG, bindparam("words"))
_PASSAGE_VECTOR: Any = literal_column("press_release_passage.search_vector")
_CANDIDATES = (
    select(passage.c.id, func.ts_rank_cd(_PASSAGE_VECTOR, _WORDS).label("score"))
    .where(
        passage.c.id.between(bindparam("first"), bindparam("last")),
        _PASSAGE_VECTOR.op("@@")(_WORDS),
    )
    .order_by(passage.c.id)
    .limit(PASSAGE_CANDIDATES)
    .subquery()
)
_later = passage.alias("later")
_BEST_ID = (
    select(_CANDIDATES.c.id)
    .order_by(_CANDIDATES.c.score.desc(), _CANDIDATES.c.id)
    .limit(1)
    .scalar_subquery()
)
_BEST = (  # ts_headline for that one passage only
    select(
        (passage.c.id % SPAN).label("n"),
        _escaped(passage.c.body).label("escaped_body"),
        func.ts_headline(CONFIG, _escaped(passage.c.body), _WORDS, _BODY_OPTIONS).label("body"),
        exists().where(_later.c.id == passage.c.id + 1).label("more"),
    )
    .where(passage.c.id == _BEST_ID)
    .subquery()
)
_BEST_PASSAGE = Statement(
    select(_BEST.c.n, _BEST.c.body, _BEST.c.more, *_cuts(_BEST.c.body, _BEST.c.escaped_body))
)


def _snippet(body: str | None, before: bool, after: bool) -> str | None:
    """A body headline with … where the text goes on; None when it marks nothing."""
    if body is None or OPEN_MARK not in body:
        return None
    return ("…" if before else "") + " ".join(body.split()) + ("…" if after else "")


def _passage_snippet(snapshot: Snapshot, words: str, release_id: int) -> str | None:
    found = snapshot.first(
        _BEST_PASSAGE,
        {
            "words": words,
            "first": release_id * SPAN,
            "last": release_id * SPAN + SPAN - 1,
        },
    )
    if found is None:
        return None
    before = found["_cut_before"] or found["n"] > 0
    return _snippet(found["body"], before, found["_cut_after"] or found["more"])


def hits(snapshot: Snapshot, tsquery: str, words: str | None, ids: list[int]) -> list[Hit]:
    """The page's releases in `ids` order, each with its snippet and its score (ts_rank_cd).
    `words` is the tsquery of the words a long release's passages are searched for."""
    found: dict[int, Hit] = {}
    if not ids:
        return []
    for summary in snapshot.rows(_PAGE, {"tsquery": tsquery, "ids": ids}):
        body, title, rank = summary.pop("_body"), summary.pop("_title"), summary.pop("_rank")
        before, after = summary.pop("_cut_before"), summary.pop("_cut_after")
        if body is None:  # a long release
            snippet = None if words is None else _passage_snippet(snapshot, words, summary["id"])
        else:
            snippet = _snippet(body, before, after)
        found[summary["id"]] = Hit(summary, float(rank), marks_to_tags(snippet or title))
    return [found[id_] for id_ in ids]
