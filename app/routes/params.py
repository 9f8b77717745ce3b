"""Query parameters shared by the list, search and (later) feed routes."""

from collections.abc import Callable, Coroutine, Iterator
from datetime import date
from functools import lru_cache
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, Query, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from pydantic import BeforeValidator, StringConstraints
from starlette.datastructures import QueryParams

from app.codes import ISO_DATE, LANGUAGE_PATTERN
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
        "order a walk visits every match once, a block of matches at a time, while the archive "
        "is unchanged (a release added meanwhile stays out of it, but an ingest changes the "
        "statistics that scores come from).",
    ),
]


def _iso_date(value: object) -> object:
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return value
    raise ValueError("Input should be a date written YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Source = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Language = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]


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


def _query_parameters(dependant: Dependant) -> Iterator[tuple[str, bool]]:
    """(name, whether it takes several values) of each query parameter of a route."""
    for param in dependant.query_params:
        yield param.alias, _takes_many(param.field_info.annotation)
    for dependency in dependant.dependencies:
        yield from _query_parameters(dependency)


def _takes_many(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _takes_many(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return any(_takes_many(option) for option in get_args(annotation))
    return origin in (list, set, tuple, frozenset)


def _error(kind: str, name: str, message: str, given: object) -> dict[str, Any]:
    return {"type": kind, "loc": ("query", name), "msg": message, "input": given}


class StrictQueryRoute(APIRoute):
    """A route that refuses query parameters it does not take (a misspelt `limt=5`) and a
    one-value parameter given twice (`q=a&q=b`): a 422 naming each, never ignored or decided
    quietly. A route class rather than a dependency: the names are collected once, and a
    dependency costs every request FastAPI's dependency solving."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        parameters = dict(_query_parameters(self.dependant))
        allowed = ", ".join(sorted(parameters)) or "none"

        def problems(query: QueryParams) -> list[dict[str, Any]]:
            errors = []
            for name in dict.fromkeys(query):
                if name not in parameters:
                    message = f"Unknown query parameter; this route takes: {allowed}"
                    errors.append(_error("extra_forbidden", name, message, query.get(name)))
                elif not parameters[name] and len(values := query.getlist(name)) > 1:
                    message = "Given more than once; this parameter takes one value"
                    errors.append(_error("multiple_values", name, message, values))
            return errors

        async def strict_handler(request: Request) -> Response:
            if request.scope["query_string"] and (errors := problems(request.query_params)):
                raise RequestValidationError(errors)
            return await handler(request)

        return strict_handler


def api_router(**options: Any) -> APIRouter:
    """Every router of the API: its routes refuse unknown and repeated query parameters."""
    return APIRouter(route_class=StrictQueryRoute, **options)


def detail_url_prefix(request: Request) -> str:
    """Absolute URL of a release's detail, less its key: `request.base_url` (the Host header, the
    scheme as the proxy headers set it, the root path), built once per distinct origin."""
    scope = request.scope
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    root_path = scope.get("app_root_path", scope.get("root_path", ""))
    server = scope.get("server")
    return _detail_url_prefix(scope["scheme"], host, server and tuple(server), root_path)


@lru_cache(maxsize=256)
def _detail_url_prefix(
    scheme: str, host: bytes | None, server: tuple[str, int | None] | None, root_path: str
) -> str:
    scope = {
        "type": "http",
        "scheme": scheme,
        "server": server,
        "path": "/",
        "root_path": root_path,
        "query_string": b"",
        "headers": [] if host is None else [(b"host", host)],
    }
    return f"{Request(scope).base_url}v1/press-releases/"


def next_link(request: Request, next_cursor: str | None) -> dict[str, str]:
    """The `Link: rel="next"` header of a page that has a next one."""
    if next_cursor is None:
        return {}
    # What `request.url.include_query_params(cursor=…)` gives (the cursor last, the rest as they
    # came), at a fifth of its cost: it parses the URL it has just built again.
    url = request.url
    query = [pair for pair in parse_qsl(url.query, keep_blank_values=True) if pair[0] != "cursor"]
    query.append(("cursor", next_cursor))
    return {"Link": f'<{url.scheme}://{url.netloc}{url.path}?{urlencode(query)}>; rel="next"'}
