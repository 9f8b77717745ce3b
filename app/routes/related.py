"""`/v1/press-releases/{key}/related`: the releases closest in content to one release."""

from typing import Annotated, Any

from fastapi import Query, Request, Response

from app import link_queries, queries
from app.errors import problem_responses
from app.models import State
from app.reader import read
from app.reads import Snapshot
from app.routes.gone import served
from app.routes.links import RELEASES_PATH, detail_url_prefix
from app.routes.params import KeyParam
from app.routes.responses import json_response
from app.routes.router import api_router
from app.schemas import RelatedPage
from app.search import related_to

router = api_router(prefix=RELEASES_PATH, tags=["press releases"])


@router.get(
    "/{key}/related", response_model=RelatedPage, responses=problem_responses(404, 410, 422)
)
async def related_releases(
    *,
    request: Request,
    key: KeyParam,
    limit: Annotated[
        int, Query(ge=1, le=50, description="How many releases to return (1 to 50).")
    ] = 10,
) -> Response:
    """The releases closest in content to this one, closest first: its most distinctive words
    (frequent in it, rare in the archive, weighted as BM25 weighs them) make a query, and the
    releases that hold the most of them, weighted, come first (ties: the newest).

    Never the release itself, its translations or its duplicates (the detail lists those).
    """

    def closest(snapshot: Snapshot) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        release = queries.get_release(snapshot, key=key)
        if release is None or release["state"] != State.PUBLISHED:
            return release, []
        leave_out = link_queries.linked_ids(snapshot, release["id"]) | {release["id"]}
        return release, queries.summaries(snapshot, related_to(snapshot, release, leave_out, limit))

    release, rows = await read(request, closest)
    served(release, key)
    prefix = detail_url_prefix(request)
    for row in rows:
        row["url"] = f"{prefix}{row['id']}"
    return json_response(RelatedPage.model_validate({"items": rows}))
