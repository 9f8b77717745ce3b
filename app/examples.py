"""The OpenAPI document's examples, made from the shipped seed release the way the API makes its
answers (the same parsing, slug, lead, word count and hash), so that they never drift from it."""

from dataclasses import replace
from pathlib import Path
from typing import Any

from app.ingest.seed_format import parse_seed

# In an installed wheel the seed travels inside the package (pyproject.toml's force-include); in
# the repository it is read where it lives.
_PACKAGED = Path(__file__).resolve().with_name("seed_example.txt")
SEED = (
    _PACKAGED
    if _PACKAGED.is_file()
    else Path(__file__).resolve().parents[1] / "seeds" / "000_58c17a29ac5caa8f.txt"
)
EXTERNAL_ID = "000_58c17a29ac5caa8f"
BASE_URL = "http://127.0.0.1:8000"
_release = parse_seed(SEED.read_bytes(), external_id=EXTERNAL_ID)

SUMMARY: dict[str, Any] = {
    "id": 1,
    "external_id": _release.external_id,
    "slug": _release.slug(),
    "title": _release.title,
    "published_on": _release.published_on.isoformat(),
    "source": None,
    "language": "en",
    "lead": _release.lead,
    "word_count": _release.word_count,
    "url": f"{BASE_URL}/v1/press-releases/1",
}
DETAIL: dict[str, Any] = SUMMARY | {
    "body": _release.body,
    "paragraphs": list(_release.paragraphs),
    # as ingested: with its language detected, which the hash covers
    "content_hash": replace(_release, language="en").content_hash,
    "version": 1,
    "change_note": None,
    "ingested_at": "2026-11-28T09:00:00Z",
    "updated_at": "2026-11-28T09:00:00Z",
    "translations": [],
    "duplicates": [],
}
# The seed's Russian version (its first paragraph), as a translation found at ingest lists it.
_russian = replace(
    _release,
    external_id=f"{EXTERNAL_ID}-ru",
    title="Инициатива Президента Казахстана о создании Центра ООН в Алматы единогласно "
    "поддержана государствами-членами ООН",
    paragraphs=(
        "Генеральная Ассамблея ООН единогласно приняла резолюцию о создании Регионального "
        "центра ООН по целям устойчивого развития (ЦУР) для Центральной Азии и Афганистана.",
    ),
)
TRANSLATION: dict[str, Any] = SUMMARY | {
    "id": 2,
    "external_id": _russian.external_id,
    "slug": _russian.slug(),
    "title": _russian.title,
    "language": "ru",
    "lead": _russian.lead,
    "word_count": _russian.word_count,
    "url": f"{BASE_URL}/v1/press-releases/2",
}
LINKED_DETAIL: dict[str, Any] = DETAIL | {"translations": [TRANSLATION]}
# the releases closest to the Russian version, its translation left out
RELATED: dict[str, Any] = {"items": [SUMMARY]}
SUGGESTION = "almaty"  # what `q=Almatty` suggests
VERSION: dict[str, Any] = {
    "version": 1,
    "content_hash": DETAIL["content_hash"],
    "updated_at": "2026-11-28T09:00:00Z",
    "change_note": None,
    "url": f"{BASE_URL}/v1/press-releases/1/versions/1",
}
CHANGE: dict[str, Any] = {
    "seq": 1,
    "kind": "created",
    "id": 1,
    "external_id": EXTERNAL_ID,
    "at": "2026-11-28T09:00:00Z",
    "press_release": SUMMARY,
}
# a `next` token as /v1/changes issues them (app/change_queries.py): after change 1
NEXT_CHANGE = "eyJ2IjoxLCJvIjoiY2hhbmdlcyIsImsiOlsxXX0"
SNIPPET = (
    "…International Organizations in <mark>Almaty</mark>, where 18 UN agencies are already "
    "operating. President Tokayev stressed that Kazakhstan, as the largest economy in the "
    "region, is…"
)
