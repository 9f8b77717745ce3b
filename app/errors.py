"""One error vocabulary, one renderer: every error a client sees is an RFC 9457 problem document."""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.reads import ReadFailed
from app.schemas import GoneProblem, Problem, ProblemFieldError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("pressroom.errors")


def status_title(status: int) -> str:
    """The status phrase; RFC 9110's wording where Python's http module still has the old one."""
    return "Unprocessable Content" if status == 422 else HTTPStatus(status).phrase


class AppError(Exception):
    """An error with an HTTP status and a message written for the client."""

    status = HTTPStatus.INTERNAL_SERVER_ERROR

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def headers(self) -> dict[str, str] | None:
        return None


class NotFound(AppError):
    status = HTTPStatus.NOT_FOUND


class BadRequest(AppError):
    status = HTTPStatus.BAD_REQUEST


class Gone(AppError):
    """A release that is no longer served. `members` go into the problem document (RFC 9457
    extension members); `max_age` is how long the answer may be cached."""

    status = HTTPStatus.GONE

    def __init__(self, detail: str, *, members: Mapping[str, Any], max_age: int) -> None:
        super().__init__(detail)
        self.members = members
        self.max_age = max_age

    @property
    def headers(self) -> dict[str, str]:
        return {"Cache-Control": f"public, max-age={self.max_age}"}


class ServiceUnavailable(AppError):
    """The server cannot answer now; `retry_after` seconds is a fair wait before trying again."""

    status = HTTPStatus.SERVICE_UNAVAILABLE

    def __init__(self, detail: str, *, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    errors: list[ProblemFieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    members: Mapping[str, Any] | None = None,
) -> JSONResponse:
    problem = Problem(
        title=status_title(status),
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
        **(members or {}),
    )
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting a route's problems in OpenAPI (their media type is set
    by app/openapi.py)."""
    return {
        status: {
            "model": GoneProblem if status == 410 else Problem,
            "description": status_title(status),
        }
        for status in statuses
    }


def _validation_problem(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = [
        ProblemFieldError(
            parameter=".".join(str(part) for part in item["loc"]), message=item["msg"]
        )
        for item in error.errors()
    ]
    names = ", ".join(dict.fromkeys(e.parameter for e in errors))
    detail = f"The request has invalid parameters: {names}."
    return problem_response(request, 422, detail, errors=errors)


def _http_problem(request: Request, error: StarletteHTTPException) -> JSONResponse:
    detail = {
        404: f"Nothing is served at {request.url.path}; see /docs for the routes.",
        405: f"{request.method} is not allowed on {request.url.path}.",
    }.get(error.status_code, str(error.detail))
    headers = dict(error.headers or {})
    if headers.get("Allow") == "GET":  # the middleware answers HEAD wherever GET goes
        headers["Allow"] = "GET, HEAD"
    return problem_response(request, error.status_code, detail, headers=headers)


async def render_problem(request: Request, error: Exception) -> JSONResponse:
    """The one exception handler: every error becomes a problem document, and only the ones the
    client caused say more than that the server failed. Internals (SQL, engine messages, stack
    traces) go to the log, with the request id, never to the client."""
    match error:
        case Gone():
            return problem_response(
                request, error.status, error.detail, headers=error.headers, members=error.members
            )
        case AppError():
            return problem_response(request, error.status, error.detail, headers=error.headers)
        case RequestValidationError():
            return _validation_problem(request, error)
        case StarletteHTTPException():
            return _http_problem(request, error)
        case ReadFailed() if error.timed_out:
            limit = request.app.state.settings.query_timeout_seconds
            log.warning("query stopped at its %g s limit on %s", limit, request.url)
            detail = (
                f"The query ran longer than the {limit:g} s limit and was stopped. "
                "Narrow it (fewer OR alternatives, a date range, a filter) or try again later."
            )
            return problem_response(request, 503, detail, headers={"Retry-After": "10"})
        case ReadFailed():
            log.error("database error on %s %s", request.method, request.url.path, exc_info=error)
            detail = "The database is unavailable; try again shortly."
            return problem_response(request, 503, detail, headers={"Retry-After": "5"})
    raise error  # not routed here: install_error_handlers registers only the classes above


def install_error_handlers(app: FastAPI) -> None:
    # Any other exception is a bug: app/middleware/request_log.py logs it and answers a 500.
    for error_class in (AppError, RequestValidationError, StarletteHTTPException, ReadFailed):
        app.add_exception_handler(error_class, render_problem)
