"""`/v1/press-releases/{key}/versions`: a release's history, and any version of it whole."""

from typing import Annotated, Any

from fastapi import Path, Request, Response

from app import link_queries, queries, version_queries
from app.errors import NotFound, problem_responses
from app.reader import read
from app.reads import Snapshot
from app.routes.gone import served
from app.routes.links import RELEASES_PATH, detail_url_prefix, next_link
from app.routes.params import CursorParam, KeyParam, LimitParam
from app.routes.responses import json_response
from app.routes.router import api_router
from app.schemas import PressReleaseDetail, VersionPage

router = api_router(prefix=RELEASES_PATH, tags=["press releases"])

History = tuple[dict[str, Any] | None, list[dict[str, Any]], str | None]


@router.get(
    "/{key}/versions", response_model=VersionPage, responses=problem_responses(400, 404, 410, 422)
)
async def list_versions(
    *, request: Request, key: KeyParam, limit: LimitParam = 20, cursor: CursorParam = None
) -> Response:
    """The release's versions, newest (the current one) first: each ingest that changed its
    content made one, and kept the one before. A withdrawn or purged release answers 410."""

    def history(snapshot: Snapshot) -> History:
        release = version_queries.head(snapshot, key)
        if release is None or release["state"] != "published":
            return release, [], None
        rows, next_cursor = version_queries.history(snapshot, release, limit=limit, cursor=cursor)
        return release, rows, next_cursor

    found, rows, next_cursor = await read(request, history)
    release = served(found, key)
    base = f"{detail_url_prefix(request)}{release['id']}/versions/"
    for row in rows:
        row["url"] = f"{base}{row['version']}"
    page = VersionPage.model_validate(
        {"items": rows, "total": release["version"], "next_cursor": next_cursor}
    )
    return json_response(page, headers=next_link(request, next_cursor))


@router.get(
    "/{key}/versions/{number}",
    response_model=PressReleaseDetail,
    responses=problem_responses(404, 410, 422),
)
async def get_version(
    *,
    request: Request,
    key: KeyParam,
    number: Annotated[int, Path(ge=1, le=2**31 - 1, description="The version's number.")],
) -> Response:
    """One version of the release, whole, as its detail showed it while it was current (the
    current version is the detail itself), with the release's links as they are now."""
    prefix = detail_url_prefix(request)

    def version(snapshot: Snapshot) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        release = version_queries.head(snapshot, key)
        if release is None or release["state"] != "published":
            return release, None
        found = (
            queries.get_release(snapshot, key=str(release["id"]))
            if number == release["version"]
            else version_queries.earlier(snapshot, release["id"], number)
        )
        if found is not None:
            found |= link_queries.linked(snapshot, release["id"], prefix)
        return release, found

    found, detail = await read(request, version)
    release = served(found, key)
    if detail is None:
        raise NotFound(
            f"The press release {key!r} has versions 1 to {release['version']}, not {number}."
        )
    detail["url"] = f"{prefix}{release['id']}"
    return json_response(PressReleaseDetail.model_validate(detail))
