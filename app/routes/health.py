"""Probes for orchestrators: `/healthz` (the process answers) and `/readyz` (it can serve)."""

from fastapi import Request, Response

from app.errors import ServiceUnavailable, problem_responses
from app.reader import read
from app.routes.responses import json_response
from app.routes.router import api_router
from app.schema_version import current_revision
from app.schemas import Health, Readiness
from app.search import index

router = api_router(tags=["health"])


NO_STORE = {"Cache-Control": "no-store"}  # a probe's answer is about now, never a cached one


@router.get("/healthz", response_model=Health)
async def healthz() -> Response:
    """The process is up. It does not touch the database."""
    return json_response(Health(status="ok"), headers=NO_STORE)


@router.get("/readyz", response_model=Readiness, responses=problem_responses(503))
async def readyz(request: Request) -> Response:
    """The database answers, is migrated to the revision this code expects, and its search index
    was built by this code's text analyser."""
    expected: str | None = request.app.state.head_revision
    revision = await read(request, current_revision)
    if revision is None or revision != expected:
        raise ServiceUnavailable(
            f"The database is at schema revision {revision or 'none'}, not {expected}: "
            "run `pressroom migrate`."
        )
    if (why := await read(request, index.stale)) is not None:
        raise ServiceUnavailable(f"Search would answer wrongly: {why}.")
    return json_response(Readiness(status="ready", revision=revision), headers=NO_STORE)
