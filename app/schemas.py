"""API shapes only: what clients receive. Examples come from the shipped seed release."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.examples import DETAIL, SNIPPET, SUMMARY
from app.models import PressReleaseBase


class PressReleaseSummary(PressReleaseBase):
    """A release as lists and search results show it."""

    model_config = ConfigDict(json_schema_extra={"examples": [SUMMARY]})

    url: str = Field(description="Absolute URL of this release's detail.")


class PressReleaseDetail(PressReleaseSummary):
    """A whole release."""

    model_config = ConfigDict(json_schema_extra={"examples": [DETAIL]})

    # with `paragraphs`, the fields of the stored PressRelease (app/models.py) that a summary leaves
    # out, described for clients (declared here, not inherited, to keep the answer's field order)
    body: str = Field(description="The paragraphs, separated by blank lines.")
    paragraphs: list[str]
    content_hash: str = Field(description="sha256 of the normalised content; changes with it.")
    ingested_at: datetime = Field(description="When the release was first loaded (UTC).")
    updated_at: datetime = Field(description="When its content last changed (UTC).")


class PressReleasePage(BaseModel):
    """One page of releases, newest or oldest first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [SUMMARY], "total": 1, "next_cursor": None}]}
    )

    items: list[PressReleaseSummary]
    total: int = Field(ge=0, description="Releases matching the filters, on every page.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class SearchHit(BaseModel):
    press_release: PressReleaseSummary
    score: float = Field(description="Relevance; higher is better. Comparable within one query.")
    snippet: str = Field(
        description="HTML-escaped text around the best match, matched terms in <mark>…</mark>: "
        "safe to insert into a page as it is."
    )


class FacetCount(BaseModel):
    value: str
    count: int = Field(ge=0)


class SearchPage(BaseModel):
    """One page of search results, best first unless another sort is asked for."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "query": "Almaty",
                    "items": [
                        {
                            "press_release": SUMMARY,
                            "score": 1.9836065573770494e-06,
                            "snippet": SNIPPET,
                        }
                    ],
                    "total": 1,
                    "next_cursor": None,
                    "facets": {},
                }
            ]
        }
    )

    query: str
    items: list[SearchHit]
    total: int = Field(ge=0, description="Releases matching the query, on every page.")
    next_cursor: str | None
    facets: dict[str, list[FacetCount]] = Field(default_factory=dict)


class ProblemFieldError(BaseModel):
    parameter: str = Field(description="The bad parameter, e.g. `query.limit`.")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document (served as application/problem+json)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "No press release has the id or slug 'nope'.",
                    "instance": "/v1/press-releases/nope",
                }
            ]
        }
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="For validation problems: one entry per bad parameter."
    )


class ApiIndex(BaseModel):
    name: str = Field(examples=["Pressroom"])
    version: str = Field(examples=["0.1.0"])
    links: dict[str, str] = Field(
        description="Absolute URLs: the documentation (docs, redoc, openapi), the collections "
        "(press_releases, search, where `{query}` is the text to search for), the Atom feed "
        "and the probes.",
        examples=[
            {
                "docs": "http://127.0.0.1:8000/docs",
                "redoc": "http://127.0.0.1:8000/redoc",
                "openapi": "http://127.0.0.1:8000/openapi.json",
                "press_releases": "http://127.0.0.1:8000/v1/press-releases",
                "search": "http://127.0.0.1:8000/v1/search?q={query}",
                "feed": "http://127.0.0.1:8000/v1/feed.atom",
                "health": "http://127.0.0.1:8000/healthz",
                "ready": "http://127.0.0.1:8000/readyz",
            }
        ],
    )


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(examples=["ready"])
    revision: str = Field(description="The database's schema revision.", examples=["0004"])
