"""Derived fields: slug, lead, word count, content hash."""

from datetime import date

import pytest

from app.ingest.normalize import Release
from app.ingest.seed_format import parse_seed
from tests.fixtures.releases import SEED


def release(title: str, *paragraphs: str, external_id: str = "x", **fields: object) -> Release:
    return Release(
        external_id=external_id,
        title=title,
        published_on=date(2025, 3, 6),
        paragraphs=paragraphs or ("Body.",),
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        (
            "Initiative of the President of Kazakhstan to Establish a UN Center in Almaty was "
            "Unanimously Supported by UN Member States",
            "2025-03-06-initiative-of-the-president-of-kazakhstan-to-establish-a-un-center-in-almaty-was",
        ),
        ("Türkiye & Kazakhstan: talks (round 2)", "2025-03-06-turkiye-kazakhstan-talks-round-2"),
        ("Глава МИД РК провёл встречу", "2025-03-06-глава-мид-рк-провел-встречу"),
        ("Қазақстан Республикасы", "2025-03-06-қазақстан-республикасы"),
        ("!!!", "2025-03-06"),
        ("A" * 200, "2025-03-06-" + "a" * 80),
    ],
    ids=["seed", "diacritics-and-punctuation", "russian", "kazakh", "no-words", "one-long-word"],
)
def test_slug(title: str, slug: str) -> None:
    assert release(title).slug() == slug


def test_disambiguated_slug_appends_a_hash_of_the_external_id() -> None:
    first = release("Same title", external_id="a").disambiguated_slug()
    second = release("Same title", external_id="b").disambiguated_slug()
    assert first == "2025-03-06-same-title-ca978112"
    assert second == "2025-03-06-same-title-3e23e816"


def test_lead_body_and_word_count() -> None:
    r = release("T", "Kazakhstan’s first paragraph.", "Second one, with 152 states.")
    assert r.lead == "Kazakhstan’s first paragraph."
    assert r.body == "Kazakhstan’s first paragraph.\n\nSecond one, with 152 states."
    assert r.word_count == 8


def test_seed_word_count() -> None:
    assert parse_seed(SEED.read_bytes(), external_id=SEED.stem).word_count == 416


def test_content_hash_follows_the_content_only() -> None:
    base = release("Title", "Body.")
    assert base.content_hash == release("Title", "Body.", external_id="other").content_hash
    changed = [
        release("Title!", "Body."),
        release("Title", "Body!"),
        release("Title", "Body.", source="MFA"),
        release("Title", "Body.", language="en"),
    ]
    assert len({base.content_hash, *(r.content_hash for r in changed)}) == 5


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("well-being – co-sponsors & 152", 3),
        ("Kazakhstan’s U.S. e-mail", 3),
        ("Министр провёл встречу. Қазақстан!", 4),
        ("— … ¶", 0),
    ],
)
def test_word_count_counts_white_space_separated_words(text: str, count: int) -> None:
    assert release("T", text).word_count == count
