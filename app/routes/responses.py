"""Rendering a response model straight to JSON bytes.

A route that returns a model makes FastAPI validate it again, dump it to Python objects and encode
those with the json module; `model_dump_json` does the one needed step in pydantic-core. Routes
keep `response_model=` so the OpenAPI document stays exact.
"""

from collections.abc import Mapping

from fastapi import Response
from pydantic import BaseModel


def json_response(model: BaseModel, *, headers: Mapping[str, str] | None = None) -> Response:
    return Response(model.model_dump_json(), media_type="application/json", headers=headers)
