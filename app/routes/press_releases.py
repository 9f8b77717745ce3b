"""`/v1/press-releases`: the list and one release."""

from typing import Any

from fastapi import Request, Response

from app import link_queries, queries
from app.errors import problem_responses
from app.models import State
from app.queries import DateSort
from app.reader import read
from app.reads import Snapshot
from app.routes.gone import served
from app.routes.links import RELEASES_PATH, detail_url_prefix, next_link
from app.routes.params import CursorParam, FiltersDep, KeyParam, LimitParam
from app.routes.responses import json_response
from app.routes.router import api_router
from app.schemas import PressReleaseDetail, PressReleasePage

router = api_router(prefix=RELEASES_PATH, tags=["press releases"])


@router.get("", response_model=PressReleasePage, responses=problem_responses(400, 422))
async def list_press_releases(
    *,
    request: Request,
    filters: FiltersDep,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
    sort: DateSort = DateSort.NEWEST,
) -> Response:
    """Releases newest first (or oldest first), a page at a time.

    `total` counts every release that matches the filters: the whole archive exactly, a
    filter's matches up to 10,000 (`total_relation` says whether it is exact). When there is a
    next page, `next_cursor` holds its cursor and the `Link` header its URL (`rel="next"`).
    """
    page = await read(
        request,
        lambda snapshot: queries.list_releases(
            snapshot, limit=limit, sort=sort, filters=filters, cursor=cursor
        ),
    )
    prefix = detail_url_prefix(request)
    for row in page.rows:
        row["url"] = f"{prefix}{row['id']}"
    body = PressReleasePage.model_validate(
        {
            "items": page.rows,
            "total": page.total,
            "total_relation": page.total_relation,
            "next_cursor": page.next_cursor,
        }
    )
    return json_response(body, headers=next_link(request, page.next_cursor))


@router.get("/{key}", response_model=PressReleaseDetail, responses=problem_responses(404, 410, 422))
async def get_press_release(*, request: Request, key: KeyParam) -> Response:
    """One release, whole: its body, its paragraphs, its version and its timestamps, and the
    releases linked to it: its `translations` (the same release in other languages) and its
    `duplicates` (nearly the same text, a repost say).

    A withdrawn release answers 410 Gone with when and why (it may be restored); a purged one
    answers 410 without content, for good.
    """
    prefix = detail_url_prefix(request)

    def detail(snapshot: Snapshot) -> dict[str, Any] | None:
        release = queries.get_release(snapshot, key=key)
        if release is not None and release["state"] == State.PUBLISHED:
            release |= link_queries.linked(snapshot, release["id"], prefix)
        return release

    release = served(await read(request, detail), key)
    release["url"] = f"{prefix}{release['id']}"
    return json_response(PressReleaseDetail.model_validate(release))
