"""The one router factory: every route of the API refuses the query parameters it does not take,
as its OpenAPI description lists them."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter


def documented_query_parameters(app: FastAPI, path: str, method: str) -> dict[str, bool]:
    """Name → whether it takes several values (an array), of each query parameter the OpenAPI
    document gives the operation: what clients are told is what the route takes."""
    operation = app.openapi()["paths"][path][method.lower()]
    return {
        parameter["name"]: _is_array(parameter.get("schema", {}))
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    }


def _is_array(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(option.get("type") == "array" for option in options)


def _error(kind: str, name: str, message: str, given: object) -> dict[str, Any]:
    return {"type": kind, "loc": ("query", name), "msg": message, "input": given}


class StrictQueryRoute(APIRoute):
    """A route that refuses query parameters it does not take (a misspelt `limt=5`) and a
    one-value parameter given twice (`q=a&q=b`): a 422 naming each, never ignored or decided
    quietly. A route class rather than a dependency: the names are read once, and a
    dependency costs every request FastAPI's dependency solving."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        (method,) = self.methods or {"GET"}  # each API route answers one method (HEAD: GET)
        known: tuple[dict[str, bool], str] | None = None  # read from the document once

        def problems(request: Request) -> list[dict[str, Any]]:
            nonlocal known
            if known is None:
                parameters = documented_query_parameters(request.app, self.path_format, method)
                known = parameters, ", ".join(sorted(parameters)) or "none"
            parameters, allowed = known
            query = request.query_params
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
            if request.scope["query_string"] and (errors := problems(request)):
                raise RequestValidationError(errors)
            return await handler(request)

        return strict_handler


def api_router(**options: Any) -> APIRouter:
    """Every router of the API: its routes refuse unknown and repeated query parameters."""
    return APIRouter(route_class=StrictQueryRoute, **options)
