"""Every operation fuzzed from the OpenAPI document by schemathesis, with all its checks: status
codes, content types, headers and bodies as documented, no server errors, and data that breaks the
schema rejected. Positive and negative data, against the search corpus.

The operations are parametrized here rather than with `schema.parametrize()`: its fixture loader
reads a private pytest attribute that pytest 9 no longer has."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from app.config import Settings
from app.main import create_app

# The documented operations, read from the app itself (building the document needs no database).
DOCUMENT = create_app(Settings(database_url="sqlite:///unused.db")).openapi()
OPERATIONS = [
    (path, method.upper()) for path, methods in DOCUMENT["paths"].items() for method in methods
]
# Negative data needs something to break: operations without parameters have none.
CASES = [
    (path, method, mode)
    for path, method in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or DOCUMENT["paths"][path][method.lower()].get("parameters")
]


@pytest.fixture(scope="module")
def api_schema(corpus_db: Path) -> Iterator[Any]:
    app = create_app(Settings(database_url=f"sqlite:///{corpus_db}"))
    with TestClient(app):  # runs the lifespan
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_documented_operation_is_fuzzed() -> None:
    assert sorted(OPERATIONS) == [
        ("/", "GET"),
        ("/healthz", "GET"),
        ("/readyz", "GET"),
        ("/v1/changes", "GET"),
        ("/v1/feed.atom", "GET"),
        ("/v1/press-releases", "GET"),
        ("/v1/press-releases/{key}", "GET"),
        ("/v1/press-releases/{key}/related", "GET"),
        ("/v1/press-releases/{key}/versions", "GET"),
        ("/v1/press-releases/{key}/versions/{number}", "GET"),
        ("/v1/search", "GET"),
    ]


@pytest.mark.parametrize(("path", "method", "mode"), CASES)
def test_every_operation_keeps_its_contract(
    api_schema: Any, path: str, method: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]

    # Derandomized: the same 60 cases every run, so that CI does not fail now and then on a case
    # one run in many draws. A longer random run (max_examples=1500) found two kinds: a one-value
    # parameter given twice was answered (now a 422), and a list parameter's single value taken
    # for a number or a boolean (`source=0.0`: in a query string every value is text, so that is
    # a source named "0.0", rightly accepted: a false positive of the negative data check).
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=60,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def fuzz(case: Any) -> None:  # a schemathesis.Case
        case.call_and_validate()

    fuzz()
