"""`GET /`: where a newcomer's `curl` of the base URL learns where to go."""

from fastapi import Request, Response

from app.routes.responses import json_response
from app.routes.router import api_router
from app.schemas import ApiIndex

router = api_router(tags=["index"])

_LINKS = {
    "docs": "docs",
    "redoc": "redoc",
    "openapi": "openapi.json",
    "press_releases": "v1/press-releases",
    "search": "v1/search?q={query}",
    "feed": "v1/feed.atom",
    "changes": "v1/changes",
    "health": "healthz",
    "ready": "readyz",
}


@router.get("/", response_model=ApiIndex)
async def api_index(request: Request) -> Response:
    """The API's name and version, and absolute links to its documentation, its collections
    and its feed."""
    base = str(request.base_url)
    links = {name: base + path for name, path in _LINKS.items()}
    return json_response(
        ApiIndex(name=request.app.title, version=request.app.version, links=links),
        headers={"Cache-Control": "public, max-age=300"},
    )
