"""The OpenAPI document, finished: what FastAPI's generator leaves out or gets wrong for this API.

- Error responses are problem documents: their schema moves to application/problem+json.
- Examples keep their null fields: FastAPI encodes the document with `exclude_none`, which strips
  `"source": null` from an example and leaves it failing its own schema. They are put back from
  the models' own JSON schemas.
- The conventions of the middleware (app/middleware/) are declared where they apply: a 304 and
  the `ETag`, `Cache-Control` and `Link` headers on 200 answers, `Retry-After` on 503s, and
  `X-Request-ID` on every response, so a generated client knows them.
"""

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from app import schemas
from app.errors import PROBLEM_JSON


def _header(description: str, kind: str = "string") -> dict[str, Any]:
    return {"description": description, "schema": {"type": kind}}


_HEADERS: dict[str, dict[str, Any]] = {
    "ETag": _header("A strong validator of this representation: send it in If-None-Match."),
    "Cache-Control": _header("How long a cache may keep the answer."),
    "Link": _header('The next page: `<url>; rel="next"` (absent on the last page).'),
    "Retry-After": _header("Seconds to wait before trying again.", "integer"),
    "X-Request-ID": _header("The request's id (the client's own when it sent a sane one)."),
}
# The routes whose pages carry a Link to the next one.
_PAGED = ("/v1/press-releases", "/v1/search")


def _headers(*names: str) -> dict[str, Any]:
    return {name: _HEADERS[name] for name in names}


def _finish_operation(path: str, operation: dict[str, Any]) -> None:
    """Problems as application/problem+json; each response's headers; the 304 every 200 JSON or
    Atom answer may become (the probes' included: their ETag revalidates like any other)."""
    responses: dict[str, Any] = operation.get("responses", {})
    for status, response in responses.items():
        content = response.get("content", {})
        if status[0] in "45" and "application/json" in content:
            content[PROBLEM_JSON] = content.pop("application/json")
        names = ["X-Request-ID"]
        if status == "200":
            names += ["ETag", "Cache-Control", *(["Link"] if path in _PAGED else [])]
        elif status == "503":
            names.append("Retry-After")
        response["headers"] = response.get("headers", {}) | _headers(*names)
    if "200" in responses:
        responses["304"] = {
            "description": "Not Modified: the representation named in If-None-Match is current.",
            "headers": _headers("ETag", "Cache-Control", "X-Request-ID"),
        }


def _models() -> dict[str, type[BaseModel]]:
    return {
        name: model
        for name, model in vars(schemas).items()
        if isinstance(model, type) and issubclass(model, BaseModel) and model is not BaseModel
    }


def finish_document(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            for path, methods in spec.get("paths", {}).items():
                for operation in methods.values():
                    _finish_operation(path, operation)
            components = spec.get("components", {}).get("schemas", {})
            for name, model in _models().items():
                examples = model.model_json_schema().get("examples")
                if name in components and examples is not None:
                    components[name]["examples"] = examples
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
