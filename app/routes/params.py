"""Query parameters shared by the list, search and (later) feed routes."""

import re
from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BeforeValidator, StringConstraints

from app.errors import BadRequest
from app.queries import Filters

LimitParam = Annotated[
    int, Query(ge=1, le=100, description="How many releases a page holds (1 to 100).")
]
CursorParam = Annotated[
    str | None,
    Query(
        max_length=1000,
        description="The `next_cursor` of the previous page, unchanged; leave out for the first "
        "page. A cursor only works with the parameters of the request that returned it. In the "
        "date orders a release added meanwhile never makes a row repeat or vanish; in relevance "
        "order the order is stable while the archive is unchanged (an ingest changes the "
        "statistics that scores come from).",
    ),
]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    # pydantic alone would take `5` for 1970-01-01 (seconds since the epoch): a date here is
    # written YYYY-MM-DD and nothing else.
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("Input should be a date written YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Source = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Language = Annotated[str, StringConstraints(pattern="^[a-z]{2}$")]


async def filter_params(  # async: pure validation, no reason to hop to a worker thread
    from_: Annotated[
        IsoDate | None,
        Query(alias="from", description="Only releases published on or after this date."),
    ] = None,
    to: Annotated[
        IsoDate | None, Query(description="Only releases published on or before this date.")
    ] = None,
    source: Annotated[
        list[Source], Query(description="Only these sources; repeat for several (OR).")
    ] = [],  # noqa: B006  (FastAPI copies a parameter's default for each request)
    language: Annotated[
        list[Language],
        Query(description="Only these ISO 639-1 languages; repeat for several (OR)."),
    ] = [],  # noqa: B006
) -> Filters:
    if from_ is not None and to is not None and from_ > to:
        raise BadRequest(f"from ({from_}) is after to ({to}): swap them or drop one.")
    return Filters(from_date=from_, to_date=to, sources=tuple(source), languages=tuple(language))


FiltersDep = Annotated[Filters, Depends(filter_params)]


def _query_names(dependant: Dependant) -> Iterator[str]:
    yield from (param.alias for param in dependant.query_params)
    for dependency in dependant.dependencies:
        yield from _query_names(dependency)


async def reject_unknown_parameters(request: Request) -> None:
    """A query parameter the route does not take is a 422 naming it: a misspelt `limt=5` must not
    be ignored quietly."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    accepted = set(_query_names(route.dependant))  # a handful: cheaper to walk than to cache
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in accepted]
    if unknown:
        allowed = ", ".join(sorted(accepted))
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name),
                    "msg": f"Unknown query parameter; this route takes: {allowed}",
                    "input": request.query_params.get(name),
                }
                for name in unknown
            ]
        )


def detail_url_prefix(request: Request) -> str:
    """Absolute URL of a release's detail, less its key."""
    return f"{request.base_url}v1/press-releases/"


def next_link(request: Request, next_cursor: str | None) -> dict[str, str]:
    """The `Link: rel="next"` header of a page that has a next one."""
    if next_cursor is None:
        return {}
    return {"Link": f'<{request.url.include_query_params(cursor=next_cursor)}>; rel="next"'}
