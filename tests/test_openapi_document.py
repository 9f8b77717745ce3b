"""The OpenAPI document a client generator can trust: valid, its examples valid against their own
schemas and equal to what the API answers, every response it gives declared with its headers."""

from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from app.examples import DETAIL, SNIPPET, SUMMARY
from tests.fixtures.releases import SEED, Ingest


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def test_the_document_is_valid_openapi(spec: dict[str, Any]) -> None:
    validate(spec)  # raises on the first error
    assert spec["openapi"].startswith("3.1")


def _examples(spec: dict[str, Any]) -> list[tuple[str, Any, dict[str, Any]]]:
    """(where, example, schema) for every example of the document's schemas."""
    found = []
    for name, schema in spec["components"]["schemas"].items():
        for example in schema.get("examples", []):
            found.append((name, example, {"$ref": f"#/components/schemas/{name}"}))
        for prop, subschema in schema.get("properties", {}).items():
            for example in subschema.get("examples", []):
                found.append((f"{name}.{prop}", example, subschema))
    return found


def test_every_example_validates_against_its_schema(spec: dict[str, Any]) -> None:
    examples = _examples(spec)
    assert len(examples) >= 10
    problems = [
        (where, error.message)
        for where, example, schema in examples
        for error in jsonschema.Draft202012Validator(
            schema | {"components": spec["components"]}
        ).iter_errors(example)
    ]
    assert problems == []


def test_the_examples_are_what_the_api_answers(client: TestClient, load: Ingest) -> None:
    load({SEED.stem: SEED.read_text()})
    base = "http://127.0.0.1:8000"
    with TestClient(client.app, base_url=base) as local:
        detail = local.get("/v1/press-releases/1").json()
        hit = local.get("/v1/search", params={"q": "Almaty"}).json()["items"][0]
    stamps = {"ingested_at": DETAIL["ingested_at"], "updated_at": DETAIL["updated_at"]}
    assert detail | stamps == DETAIL
    assert hit["press_release"] == SUMMARY
    assert hit["snippet"] == SNIPPET


def test_every_response_is_declared_with_its_headers(spec: dict[str, Any]) -> None:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            assert {"200", "304", "500"} <= set(responses), where
            assert set(responses["304"]["headers"]) == {"ETag", "Cache-Control", "X-Request-ID"}
            ok = set(responses["200"]["headers"])
            paged = path in ("/v1/press-releases", "/v1/search")
            assert ok == {"ETag", "Cache-Control", "X-Request-ID"} | ({"Link"} if paged else set())
            for status, response in responses.items():
                assert "X-Request-ID" in response["headers"], (where, status)
                if status == "503":
                    assert "Retry-After" in response["headers"], where
