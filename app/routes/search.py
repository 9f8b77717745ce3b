"""`/v1/search`: full-text search over titles and bodies."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.db import ConnectionDep
from app.errors import problem_responses
from app.routes.params import CursorParam, FiltersDep, LimitParam, detail_url_prefix, next_link
from app.schemas import SearchPage
from app.search import sqlite
from app.search.results import SearchSort
from app.search.terms import parse_terms

router = APIRouter(tags=["search"])


@router.get("/v1/search", responses=problem_responses(400, 422))
def search(
    *,
    request: Request,
    response: Response,
    connection: ConnectionDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=512,
            description="Words to find in titles and bodies; every word must match. Case and "
            "diacritics are ignored and English words are stemmed.",
            examples=["Almaty"],
        ),
    ],
    filters: FiltersDep,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
    sort: SearchSort = SearchSort.RELEVANCE,
) -> SearchPage:
    """Releases that contain every word of `q`, best match first (title matches weigh more than
    body matches), each with a snippet around its best match.

    The snippet is HTML-escaped text with the matched words in `<mark>` tags. A query with no
    searchable word (only punctuation, say) is a 400 problem.
    """
    terms = parse_terms(q)
    results = sqlite.search(
        connection, terms=terms, limit=limit, sort=sort, filters=filters, cursor=cursor
    )
    response.headers.update(next_link(request, results.next_cursor))
    prefix = detail_url_prefix(request)
    items = []
    for hit in results.hits:
        hit.row["url"] = f"{prefix}{hit.row['id']}"
        items.append({"press_release": hit.row, "score": hit.score, "snippet": hit.snippet})
    return SearchPage.model_validate(
        {
            "query": q,
            "items": items,
            "total": results.total,
            "next_cursor": results.next_cursor,
            "facets": {},
        }
    )
