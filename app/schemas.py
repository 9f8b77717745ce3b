"""API shapes only: what clients receive. Examples come from the shipped seed release."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.examples import (
    CHANGE,
    LINKED_DETAIL,
    NEXT_CHANGE,
    RELATED,
    SNIPPET,
    SUGGESTION,
    SUMMARY,
    VERSION,
)
from app.models import ChangeKind, PressReleaseBase


class PressReleaseSummary(PressReleaseBase):
    """A release as lists and search results show it."""

    model_config = ConfigDict(json_schema_extra={"examples": [SUMMARY]})

    url: str = Field(description="Absolute URL of this release's detail.")


class PressReleaseDetail(PressReleaseSummary):
    """A whole release."""

    model_config = ConfigDict(json_schema_extra={"examples": [LINKED_DETAIL]})

    # with `paragraphs`, the fields of the stored PressRelease (app/models.py) that a summary leaves
    # out, described for clients (declared here, not inherited, to keep the answer's field order)
    body: str = Field(description="The paragraphs, separated by blank lines.")
    paragraphs: list[str]
    content_hash: str = Field(description="sha256 of the normalised content; changes with it.")
    version: int = Field(
        ge=1,
        description="1 for the release as first loaded, one more for each change of its content "
        "(the earlier ones: `/versions`).",
    )
    change_note: str | None = Field(
        description="What this version changed, where its input said (JSON Lines `change_note`)."
    )
    ingested_at: datetime = Field(description="When the release was first loaded (UTC).")
    updated_at: datetime = Field(description="When its content last changed (UTC).")
    translations: list[PressReleaseSummary] = Field(
        description="The same release in other languages, by language: linked because the "
        "input said so (JSON Lines `translation_of`), or found at ingest (the same source, "
        "within a day, another language, the same numbers, dates and names)."
    )
    duplicates: list[PressReleaseSummary] = Field(
        description="Releases in the same language with nearly the same text (a repost with "
        "another headline, a paragraph left out, a line added), oldest first. Search hides all "
        "but the oldest with `collapse=duplicates`."
    )


class PressReleasePage(BaseModel):
    """One page of releases, newest or oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [SUMMARY], "total": 1, "total_relation": "eq", "next_cursor": None}
            ]
        }
    )

    items: list[PressReleaseSummary]
    total: int = Field(
        ge=0,
        description="Releases matching the filters, on every page: exactly, or at least that "
        "many when `total_relation` is `gte`.",
    )
    total_relation: Literal["eq", "gte"] = Field(
        description="`eq`: `total` is the number of releases the filters match. `gte`: more "
        "match, and `total` is 10,000. The whole archive (no filter) is always counted exactly; "
        "a filter's matches are counted up to 10,000, on both engines (counting more reads every "
        "match), unless the first page holds them all. Search's `total_relation` says the same."
    )
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class RelatedPage(BaseModel):
    """The releases closest in content to one release, closest first."""

    model_config = ConfigDict(json_schema_extra={"examples": [RELATED]})

    items: list[PressReleaseSummary]


class VersionSummary(BaseModel):
    """One version of a release, as its history lists it."""

    version: int = Field(ge=1)
    content_hash: str
    updated_at: datetime = Field(description="When this version became the current one (UTC).")
    change_note: str | None = Field(description="What this version changed, where its input said.")
    url: str = Field(description="Absolute URL of this version's whole text.")


class VersionPage(BaseModel):
    """A release's versions, newest (the current one) first."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [VERSION], "total": 1, "next_cursor": None}]}
    )

    items: list[VersionSummary]
    total: int = Field(ge=1, description="How many versions the release has: its `version`.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )


class Change(BaseModel):
    """One change of the archive: a release created, updated (a new version), withdrawn,
    restored or purged."""

    seq: int = Field(ge=1, description="The change's place in commit order.")
    kind: ChangeKind
    id: int
    external_id: str
    at: datetime = Field(description="When the change was made (UTC).")
    press_release: PressReleaseSummary | None = Field(
        description="The release as it is now, while it is published; null while it is "
        "withdrawn or purged. A mirror stores it (or, when null, drops the release)."
    )


class ChangePage(BaseModel):
    """Changes after `since`, in commit order."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [CHANGE], "next": NEXT_CHANGE}]}
    )

    items: list[Change]
    next: str = Field(
        description="Pass as `since` for the changes after these; there even when `items` is "
        "empty, to poll with."
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
                    "total_relation": "eq",
                    "next_cursor": None,
                    "facets": {},
                    "facets_relation": "eq",
                    "suggestion": None,
                }
            ]
        }
    )

    query: str
    items: list[SearchHit]
    total: int = Field(
        ge=0,
        description="Releases matching the query, on every page: exactly, or at least that "
        "many when `total_relation` is `gte`.",
    )
    total_relation: Literal["eq", "gte"] = Field(
        description="`eq`: `total` is the number of matches. `gte`: there are more than "
        "`total`. The embedded default (SQLite) always counts exactly; PostgreSQL counts a "
        "search's matches up to 10,000 (counting more reads every match), unless the page or "
        "the facets counted them all anyway (a last page, facets asked for). Elasticsearch's "
        "`track_total_hits` says the same as `{value, relation}`."
    )
    next_cursor: str | None
    facets: dict[str, list[FacetCount]] = Field(default_factory=dict)
    facets_relation: Literal["eq", "gte"] = Field(
        description="`eq`: the facets count every match. `gte`: there are more matches than "
        "PostgreSQL counts facets over (10,000, as for `total`), and the facets count the "
        "10,000 most recently added: each count is at least that many, and a value may have "
        "matches beyond them. The embedded default (SQLite) always counts every match."
    )
    suggestion: str | None = Field(
        description="Did you mean: when the query finds 3 releases or fewer and a close "
        "spelling of its words (one letter left out, added, changed or swapped; Kazakh letters "
        "included) finds at least five times as many, the query with those words corrected, "
        "to send as `q`; null otherwise.",
        examples=[SUGGESTION],
    )


class ProblemFieldError(BaseModel):
    parameter: str = Field(description="The bad parameter, e.g. `query.limit`.")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document (served as application/problem+json)."""

    model_config = ConfigDict(
        extra="allow",  # RFC 9457 §3.2 extension members: a 410's withdrawn_at, say
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
        },
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="For validation problems: one entry per bad parameter."
    )


class GoneProblem(Problem):
    """The problem document of a release that is no longer served: withdrawn (it may come back),
    or purged (for good; nothing of it is said)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Gone",
                    "status": 410,
                    "detail": "The press release 1 was withdrawn: published in error.",
                    "instance": "/v1/press-releases/1",
                    "withdrawn_at": "2026-11-29T10:00:00Z",
                    "reason": "published in error",
                }
            ]
        }
    )

    withdrawn_at: datetime | None = Field(default=None, description="When it was withdrawn.")
    reason: str | None = Field(default=None, description="Why it was withdrawn.")
    purged_at: datetime | None = Field(
        default=None, description="When it was purged: its text is erased for good."
    )


class ApiIndex(BaseModel):
    name: str = Field(examples=["Pressroom"])
    version: str = Field(examples=["0.1.0"])
    links: dict[str, str] = Field(
        description="Absolute URLs: the documentation (docs, redoc, openapi), the collections "
        "(press_releases, search, where `{query}` is the text to search for), the Atom feed, "
        "the change feed and the probes.",
        examples=[
            {
                "docs": "http://127.0.0.1:8000/docs",
                "redoc": "http://127.0.0.1:8000/redoc",
                "openapi": "http://127.0.0.1:8000/openapi.json",
                "press_releases": "http://127.0.0.1:8000/v1/press-releases",
                "search": "http://127.0.0.1:8000/v1/search?q={query}",
                "feed": "http://127.0.0.1:8000/v1/feed.atom",
                "changes": "http://127.0.0.1:8000/v1/changes",
                "health": "http://127.0.0.1:8000/healthz",
                "ready": "http://127.0.0.1:8000/readyz",
            }
        ],
    )


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(examples=["ready"])
    revision: str = Field(description="The database's schema revision.", examples=["0005"])
