"""`/v1/feed.atom`: a valid Atom 1.0 feed (RFC 4287), read back with a real XML parser."""

import uuid
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.releases import Ingest, seed_text
from tests.search_corpus import CORPUS

NS = {"a": "http://www.w3.org/2005/Atom"}


@pytest.fixture
def corpus(load: Ingest) -> None:
    for external_id, (source, language, text) in CORPUS.items():
        load({external_id: text}, source=source, language=language)


def parse(client: TestClient, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml"
    # expat raises on anything that is not well-formed XML; the document is our own output
    return ET.fromstring(response.content)  # noqa: S314


def entry_titles(feed: ET.Element) -> list[str]:
    return [entry.findtext("a:title", namespaces=NS) or "" for entry in feed.findall("a:entry", NS)]


def test_the_feed_is_atom_with_every_required_element(client: TestClient, corpus: None) -> None:
    feed = parse(client, "/v1/feed.atom")
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.findtext("a:title", namespaces=NS) == "Pressroom: the newest press releases"
    assert (feed.findtext("a:id", namespaces=NS) or "").startswith("urn:uuid:")
    assert feed.findtext("a:author/a:name", namespaces=NS) == "Pressroom"
    [self_link] = feed.findall("a:link[@rel='self']", NS)
    assert self_link.attrib == {
        "rel": "self",
        "type": "application/atom+xml",
        "href": "http://testserver/v1/feed.atom",
    }
    entries = feed.findall("a:entry", NS)
    assert len(entries) == 7
    first = entries[0]  # the newest: un-center, 2025-03-07, the seventh ingested
    assert first.findtext("a:title", namespaces=NS) == "UN Center in Almaty"
    assert (
        first.findtext("a:id", namespaces=NS)
        == uuid.uuid5(
            uuid.uuid5(uuid.NAMESPACE_URL, "https://pressroom/press-release/"), "un-center"
        ).urn
    )
    assert first.findtext("a:published", namespaces=NS) == "2025-03-07T00:00:00Z"
    updated = first.findtext("a:updated", namespaces=NS) or ""
    assert updated.endswith("Z")
    assert feed.findtext("a:updated", namespaces=NS) == max(
        e.findtext("a:updated", namespaces=NS) or "" for e in entries
    )
    [link] = first.findall("a:link", NS)
    assert link.attrib == {
        "rel": "alternate",
        "type": "application/json",
        "href": "http://testserver/v1/press-releases/7",
    }
    assert first.findtext("a:summary", namespaces=NS) == (
        "The UN SDG centre will open. Kazakhstan welcomes the decision of the Assembly."
    )
    assert first.find("a:category", NS).attrib == {"term": "MFA"}  # type: ignore[union-attr]
    assert client.get(link.attrib["href"]).json()["external_id"] == "un-center"


def test_the_feed_takes_a_search_and_the_filters(client: TestClient, corpus: None) -> None:
    feed = parse(client, "/v1/feed.atom?q=almaty&source=MFA")
    assert entry_titles(feed) == ["UN Center in Almaty", "Almaty hosts the Central Asia forum"]
    assert feed.findtext("a:title", namespaces=NS) == (
        "Pressroom: press releases matching “almaty”"
    )
    assert entry_titles(parse(client, "/v1/feed.atom?language=kk")) == [
        "Қазақстан мен Түркия келіссөздері"
    ]


def test_the_feed_holds_the_50_newest(client: TestClient, load: Ingest) -> None:
    load(
        {f"r{i:02d}": seed_text(f"2020-01-{i % 28 + 1:02d}", f"R{i:02d}", "B.") for i in range(60)}
    )
    assert len(entry_titles(parse(client, "/v1/feed.atom"))) == 50


def test_markup_in_releases_and_queries_stays_text(client: TestClient, load: Ingest) -> None:
    load({"m": seed_text("2025-01-01", "Q&A <b>bold</b>", "Tom & Jerry <script>x</script>.")})
    feed = parse(client, "/v1/feed.atom?q=" + "jerry%20%3C%26%3E%00")
    assert entry_titles(feed) == ["Q&A <b>bold</b>"]
    assert feed.findtext("a:entry/a:summary", namespaces=NS) == "Tom & Jerry <script>x</script>."
    assert (
        feed.findtext("a:title", namespaces=NS) == "Pressroom: press releases matching “jerry <&>”"
    )


def test_an_empty_feed_is_still_valid(client: TestClient) -> None:
    feed = parse(client, "/v1/feed.atom")
    assert feed.findall("a:entry", NS) == []
    assert feed.findtext("a:updated", namespaces=NS) == "1970-01-01T00:00:00Z"


def test_a_bad_feed_query_is_a_problem(client: TestClient) -> None:
    response = client.get("/v1/feed.atom?q=!!!")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
