"""Probes for orchestrators: `/healthz` (the process answers) and `/readyz` (it can serve)."""

from fastapi import APIRouter, Request

from app.db import ConnectionDep
from app.errors import ServiceUnavailable, problem_responses
from app.schema_version import current_revision
from app.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> Health:
    """The process is up. It does not touch the database."""
    return Health(status="ok")


@router.get("/readyz", responses=problem_responses(503))
def readyz(request: Request, connection: ConnectionDep) -> Readiness:
    """The database answers and is migrated to the revision this code expects."""
    expected: str | None = request.app.state.head_revision
    revision = current_revision(connection)
    if revision is None or revision != expected:
        raise ServiceUnavailable(
            f"The database is at schema revision {revision or 'none'}, not {expected}: "
            "run `pressroom migrate`."
        )
    return Readiness(status="ready", revision=revision)
