"""The one router factory: every route of the API refuses the query parameters it does not take."""

from collections.abc import Callable, Coroutine, Iterator
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from starlette.datastructures import QueryParams


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
