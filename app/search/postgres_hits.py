"""The releases of a PostgreSQL search page, each with its score (ts_rank_cd) and its snippet
(app/search/highlight.py): cut from the body of a short release, or from the best passage of a
long one (app/search/passages.py), which ts_rank_cd over the passages' tsvectors picks."""

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
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR

from app.models import press_release_passage
from app.queries import SUMMARY_COLUMNS, c, table
from app.reads import Snapshot, Statement, member_of
from app.search.best_passage import BestPassage
from app.search.grammar import AllOf
from app.search.highlight import release_snippet
from app.search.passages import PASSAGE_CANDIDATES, SPAN
from app.search.results import Hit

# The full-text index (migrations 0003 and 0004): each release's weighted tsvector (title A, body
# B), built by the analyser (app/search/index.py), beside its filter and facet columns, in a narrow
# row that searches read instead of press_release's.
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
# tsquery text compiled from the analyser's words (app/search/postgres.py): cast, never parsed
# by a text search configuration, so it means exactly what it says.
QUERY = cast(bindparam("tsquery"), TSQUERY)
# ts_rank_cd's default weights (D, C, B, A) = (0.1, 0.2, 0.4, 1.0): a title hit counts most
RANK = func.ts_rank_cd(VECTOR, QUERY)

passage = press_release_passage
# (a bigint: ids from 2,048 on times 2**20 overflow PostgreSQL's integer)
_HAS_PASSAGES = exists().where(passage.c.id == cast(c.id, BigInteger) * SPAN)
# A long release's body is never read for a page (CASE leaves its TOASTed value alone).
_PAGE = Statement(
    select(
        *SUMMARY_COLUMNS,
        case((_HAS_PASSAGES, null()), else_=c.body).label("_body"),
        RANK.label("_rank"),
    )
    .select_from(table.join(search_index, search_index.c.id == c.id))
    .where(member_of(c.id, "ids"))
)
# The passage that best matches the query's words, among the first PASSAGE_CANDIDATES of one
# release's passages that hold any of them (a release's passages are one id range, in body order).
_WORDS = cast(bindparam("words"), TSQUERY)
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
_BEST_PASSAGE = BestPassage(_CANDIDATES, _CANDIDATES.c.score.desc())


def hits(
    snapshot: Snapshot, query: AllOf, tsquery: str, words: str | None, ids: list[int]
) -> list[Hit]:
    """The page's releases in `ids` order, each with its snippet and its score (ts_rank_cd).
    `words` is the tsquery of the words a long release's passages are searched for."""
    if not ids:
        return []
    found: dict[int, Hit] = {}
    for summary in snapshot.rows(_PAGE, {"tsquery": tsquery, "ids": ids}):
        body, rank = summary.pop("_body"), summary.pop("_rank")
        best = None
        if body is None and words is not None:
            best = _BEST_PASSAGE.read(snapshot, words, summary["id"])
        snippet = release_snippet(query, summary["title"], summary["language"], body, best)
        found[summary["id"]] = Hit(summary, float(rank), snippet)
    return [found[id_] for id_ in ids]
