"""`/v1/search`: full-text search over titles and bodies."""

from dataclasses import replace
from enum import StrEnum
from typing import Annotated

from fastapi import Query, Request, Response

from app.errors import problem_responses
from app.reader import read
from app.routes.links import detail_url_prefix, next_link
from app.routes.params import CursorParam, FiltersDep, LimitParam
from app.routes.responses import json_response
from app.routes.router import api_router
from app.schemas import SearchPage
from app.search import SearchRequest
from app.search import search as run_search
from app.search.grammar import parse
from app.search.results import Facet, SearchSort

router = api_router(tags=["search"])


class Collapse(StrEnum):
    DUPLICATES = "duplicates"


QUERY_DESCRIPTION = """Words to find in titles and bodies. Every word must match, in any of its
grammatical forms in English, Russian or Kazakh (`Казахстан` finds `Казахстана`, `Ауғанстан`
finds `Ауғанстанға`); case and diacritics are ignored (`Turkiye` finds `Türkiye`).

| syntax | meaning |
|---|---|
| `climate energy` | both words |
| `"central asia"` | the exact phrase |
| `almaty OR astana` | either (binds tighter than the implied AND; group with parentheses) |
| `-visa`, `-"press service"` | without this word or phrase |
| `kazakh*` | words whose base form starts with `kazakh` |
| `title:almaty`, `title:"un center"` | in the title only |

Any other character is plain text. A query with nothing to search for (only punctuation, only
exclusions) is a 400 problem that says why; so is one too broad to answer quickly: a prefix that
stands for more than 128 words of the index, or a query whose work, estimated before it runs
from the newest releases, is over the server's budget (many common words ORed, phrases of the
commonest words, facets over most of the archive)."""

FACETS_DESCRIPTION = (
    "Comma-separated facets to count over the whole match set (not just the page): "
    "`source`, `language`, `year`. Each lists up to 100 values, most frequent first; "
    "releases with no source or language are not counted. PostgreSQL counts them over at most "
    "the 10,000 most recently added matches (`facets_relation` says when there were more)."
)


@router.get("/v1/search", response_model=SearchPage, responses=problem_responses(400, 422))
async def search(
    *,
    request: Request,
    q: Annotated[
        str,
        Query(min_length=1, max_length=512, description=QUERY_DESCRIPTION, examples=["Almaty"]),
    ],
    filters: FiltersDep,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
    sort: SearchSort = SearchSort.RELEVANCE,
    collapse: Annotated[
        Collapse | None,
        Query(
            description="`duplicates`: of releases with nearly the same text (a repost, say: "
            "see the detail's `duplicates`), only the earliest published is listed, and counted."
        ),
    ] = None,
    facets: Annotated[
        str | None,
        Query(
            pattern=r"^(source|language|year)(,(source|language|year))*$",
            description=FACETS_DESCRIPTION,
            examples=["source,language,year"],
        ),
    ] = None,
) -> Response:
    """Releases that match `q`, best match first (a title match weighs more than a body match)
    unless `sort` asks for a date order, each with a snippet around its best match.

    Relevance is bm25 over the whole match set on the embedded SQLite default (its search index
    prunes to the best matches without scoring them all). PostgreSQL ranks a block of matches at a
    time (10,000 by default), the most recently added first: exact for a match set that fits one
    block, exact within each block beyond.

    The snippet is HTML-escaped text with the matched words in `<mark>` tags: a window of the body
    (of a long release, of the passage of at most 4 KB that best holds the query's words), or the
    whole title when only the title matched.
    """
    query = parse(q)
    if collapse is Collapse.DUPLICATES:
        filters = replace(filters, collapse=True)
    wanted = tuple(Facet(name) for name in dict.fromkeys(facets.split(","))) if facets else ()
    settings = request.app.state.settings
    results = await read(
        request,
        lambda snapshot: run_search(
            snapshot,
            SearchRequest(
                query=query,
                text=q,
                limit=limit,
                sort=sort,
                filters=filters,
                cursor=cursor,
                facets=wanted,
                window=settings.rank_window,
                postings=settings.search_budget,
            ),
        ),
    )
    prefix = detail_url_prefix(request)
    items = []
    for hit in results.hits:
        hit.row["url"] = f"{prefix}{hit.row['id']}"
        items.append({"press_release": hit.row, "score": hit.score, "snippet": hit.snippet})
    page = SearchPage.model_validate(
        {
            "query": q,
            "items": items,
            "total": results.total,
            "total_relation": results.total_relation,
            "next_cursor": results.next_cursor,
            "facets": {
                name: [{"value": value, "count": count} for value, count in counts]
                for name, counts in results.facets.items()
            },
            "facets_relation": results.facets_relation,
            "suggestion": results.suggestion,
        }
    )
    return json_response(page, headers=next_link(request, results.next_cursor))
