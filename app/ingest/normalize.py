"""Normalisation shared by every input format: clean text, and the derived fields (lead, word count,
slug, content hash) computed the same way whatever the release came from."""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from itertools import filterfalse

from app.codes import ISO_DATE

SLUG_TITLE_CHARS = 80
_HAS_WORD = re.compile(r"[^\W_]")
_SLUG_WORD = re.compile(r"[^\W_]+")
# Control characters carry no text and break clients (and the snippet markers); tabs become spaces.
CONTROL_CHARACTERS = dict.fromkeys(c for c in range(32) if c not in (9, 10)) | {9: 32, 127: None}


class Rejected(ValueError):
    """The input cannot become a release; the message says why, for the person who sent it."""


def iso_date(value: str, not_a_date: str) -> date:
    """The date written YYYY-MM-DD; Rejected with `not_a_date`, or saying the day is impossible."""
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise Rejected(not_a_date)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Rejected(f"impossible date {value}: no such day in the calendar") from None


def word_count(body: str) -> int:
    """Words as `wc -w` counts them (white-space separated, so "well-being" is one), less the
    tokens without a letter or digit ("–", "&")."""
    tokens = body.split()
    # only the tokens that are not all letters and digits are looked into, one by one
    wordless = sum(1 for token in filterfalse(str.isalnum, tokens) if not _HAS_WORD.search(token))
    return len(tokens) - wordless


def content_hash(
    title: str, published_on: date, body: str, source: str | None, language: str | None
) -> str:
    """sha256 of everything stored that a new version of a release can change. The fields are
    joined by a control character, which cleaned text never holds."""
    content = (title, published_on.isoformat(), body, source or "", language or "")
    return hashlib.sha256("\x1f".join(content).encode()).hexdigest()


def clean_line(line: str) -> str:
    """NFC, no control characters, no surrounding white space."""
    if not line.isprintable():  # a C-speed check; most lines have nothing to translate
        line = line.translate(CONTROL_CHARACTERS)
    return unicodedata.normalize("NFC", line).strip()


@dataclass(frozen=True)  # no slots: cached_property keeps its values in __dict__
class Release:
    """A valid, normalised release, ready to store."""

    external_id: str
    title: str
    published_on: date
    paragraphs: tuple[str, ...]
    source: str | None = None
    language: str | None = None
    # What the input says about this version (not part of its content: a note alone changes
    # nothing), and, when the input withdraws the release, why.
    change_note: str | None = None
    withdrawal: str | None = None
    # the external id of the release this one translates, where the input says (not part of the
    # content either: app/ingest/links.py keeps it beside the release)
    translation_of: str | None = None

    # Derived values are computed once per release (a run reads each several times).
    @cached_property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def lead(self) -> str:
        return self.paragraphs[0]

    @cached_property
    def word_count(self) -> int:
        return word_count(self.body)

    @cached_property
    def content_hash(self) -> str:
        return content_hash(self.title, self.published_on, self.body, self.source, self.language)

    def knowing(self, word_count: int, content_hash: str) -> None:
        """Take the word count and the content hash as computed from these very fields
        elsewhere (by the ingest's analysis worker, app/ingest/analysis.py), as if computed
        here: cached_property keeps its values in the instance's __dict__."""
        self.__dict__.update(word_count=word_count, content_hash=content_hash)

    def slug(self) -> str:
        """`2025-03-06-initiative-of-the-president…`: the date, then the title's words, lowercased
        and without diacritics (other scripts keep their letters)."""
        title = self.title.lower()
        if not title.isascii():  # strip diacritics; ASCII titles (most) have none
            decomposed = unicodedata.normalize("NFKD", title)
            bare = "".join(c for c in decomposed if not unicodedata.combining(c))
            title = unicodedata.normalize("NFC", bare)
        words = _SLUG_WORD.findall(title)
        title_part = ""
        for word in words:
            candidate = f"{title_part}-{word}" if title_part else word
            if len(candidate) > SLUG_TITLE_CHARS:
                break
            title_part = candidate
        if not title_part and words:  # a single very long word
            title_part = words[0][:SLUG_TITLE_CHARS]
        return f"{self.published_on.isoformat()}-{title_part}".rstrip("-")

    def disambiguated_slug(self) -> str:
        """The slug made unique by the external id, for a release whose title and date are taken."""
        suffix = hashlib.sha256(self.external_id.encode()).hexdigest()[:8]
        return f"{self.slug()}-{suffix}"
