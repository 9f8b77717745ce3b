"""`/v1/feed.atom`: the newest releases as an Atom 1.0 feed (RFC 4287), for feed readers."""

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query, Request, Response

from app import queries
from app.errors import problem_responses
from app.reader import read
from app.reads import Snapshot
from app.routes.links import detail_url_prefix
from app.routes.params import FiltersDep
from app.routes.router import api_router
from app.search import SearchRequest
from app.search import search as run_search
from app.search.grammar import parse
from app.search.results import SearchSort

router = api_router(tags=["feeds"])

ATOM = "http://www.w3.org/2005/Atom"
TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"  # RFC 6721
ATOM_TYPE = "application/atom+xml"
FEED_SIZE = 50
# A release's entry id never changes, wherever the feed is served from (RFC 4287 §4.2.6).
ENTRY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pressroom/press-release/")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 forbids

ET.register_namespace("", ATOM)
ET.register_namespace("at", TOMBSTONES)


def _element(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> None:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = text


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _entry_id(external_id: str) -> str:
    return uuid.uuid5(ENTRY_NAMESPACE, external_id).urn


def render(
    request: Request, q: str | None, rows: list[dict[str, Any]], gone: list[dict[str, Any]]
) -> bytes:
    feed = ET.Element(f"{{{ATOM}}}feed")
    self_url = str(request.url)
    _element(feed, "id", uuid.uuid5(uuid.NAMESPACE_URL, self_url).urn)
    title = "Pressroom: the newest press releases"
    if q is not None:
        title = f"Pressroom: press releases matching “{_NOT_XML.sub('', q)}”"
    _element(feed, "title", title)
    moments = [row["updated_at"] for row in rows] + [row["withdrawn_at"] for row in gone]
    updated = max(moments, default=EPOCH)
    _element(feed, "updated", _timestamp(updated))
    _element(feed, "link", rel="self", type=ATOM_TYPE, href=self_url)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _element(author, "name", "Pressroom")
    prefix = detail_url_prefix(request)
    for row in rows:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _element(entry, "id", _entry_id(row["external_id"]))
        _element(entry, "title", row["title"])
        _element(entry, "updated", _timestamp(row["updated_at"]))
        _element(entry, "published", f"{row['published_on'].isoformat()}T00:00:00Z")
        href = f"{prefix}{row['id']}"
        _element(entry, "link", rel="alternate", type="application/json", href=href)
        if row["source"]:
            _element(entry, "category", term=row["source"])
        _element(entry, "summary", row["lead"])
    for row in gone:  # RFC 6721: the entry, by its id, is no more
        attributes = {"ref": _entry_id(row["external_id"]), "when": _timestamp(row["withdrawn_at"])}
        tombstone = ET.SubElement(feed, f"{{{TOMBSTONES}}}deleted-entry", attributes)
        if row["withdrawal_reason"]:
            comment = ET.SubElement(tombstone, f"{{{TOMBSTONES}}}comment")
            comment.text = _NOT_XML.sub("", row["withdrawal_reason"])
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


@router.get(
    "/v1/feed.atom",
    response_class=Response,
    responses={
        200: {
            "description": f"An Atom 1.0 feed of the {FEED_SIZE} newest releases.",
            "content": {ATOM_TYPE: {"schema": {"type": "string"}}},
        },
        **problem_responses(400, 422),
    },
)
async def feed(
    *,
    request: Request,
    filters: FiltersDep,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=512,
            description="Only releases matching this search (the grammar of /v1/search).",
        ),
    ] = None,
) -> Response:
    """The 50 newest releases as an Atom feed, optionally narrowed by a search and by the list's
    filters. Each entry links to the release's JSON detail and summarises it with its lead, and
    its `updated` is when its content last changed (a correction moves it).

    Releases withdrawn or purged within the feed's window (published on or after its oldest
    entry's day, or any day when the feed holds every match) and passing its filters follow as
    RFC 6721 tombstones, `at:deleted-entry`, the latest 50, with the withdrawal's reason; a
    reader removes the entry they name. A search cannot look into withdrawn releases (they
    leave the index), so a feed with `q` lists those of its window whatever their words.
    """
    query = parse(q) if q is not None else None

    def newest(snapshot: Snapshot) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if query is None:
            rows = queries.newest_releases(snapshot, FEED_SIZE, filters)
        else:
            wanted = SearchRequest(query, FEED_SIZE, sort=SearchSort.NEWEST, filters=filters)
            results = run_search(snapshot, wanted)
            rows = [hit.row for hit in results.hits]
        changed = queries.updated_at(snapshot, [row["id"] for row in rows])
        window = rows[-1]["published_on"] if len(rows) == FEED_SIZE else None
        gone = queries.tombstones(snapshot, filters, window, FEED_SIZE)
        return [row | {"updated_at": changed[row["id"]]} for row in rows], gone

    rows, gone = await read(request, newest)
    return Response(render(request, q, rows, gone), media_type=ATOM_TYPE)
