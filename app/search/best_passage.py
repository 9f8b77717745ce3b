"""The passage of a long release that best matches the query's words (app/search/passages.py),
found among the candidates an engine's passage index ranks: the same statement on both engines."""

from typing import Any

from sqlalchemy import exists, select

from app.models import press_release_passage as passage
from app.reads import Snapshot, Statement
from app.search.highlight import Passage
from app.search.passages import SPAN


class BestPassage:
    """`candidates`: a subquery of (id, score) over one release's passages (ids `first` to
    `last`) holding the words; `best_first`: its order, best first, ties by id."""

    def __init__(self, candidates: Any, best_first: Any) -> None:
        later = passage.alias("later")
        self.statement = Statement(
            select(
                (passage.c.id % SPAN).label("number"),
                passage.c.body,
                exists().where(later.c.id == passage.c.id + 1).label("more"),
            ).where(
                passage.c.id
                == select(candidates.c.id)
                .order_by(best_first, candidates.c.id)
                .limit(1)
                .scalar_subquery()
            )
        )

    def read(self, snapshot: Snapshot, words: str, release_id: int) -> Passage | None:
        """The best passage of release `release_id` for the words (the engine's query text)."""
        first = release_id * SPAN
        params = {"words": words, "first": first, "last": first + SPAN - 1}
        best = snapshot.first(self.statement, params)
        return None if best is None else Passage(best["number"], best["body"], bool(best["more"]))
