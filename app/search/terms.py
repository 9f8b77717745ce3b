"""The query as plain terms: every whitespace-separated word, all of them required.

This is the first cut of the grammar (DESIGN §4): no operators yet, so quotes, `-`, `*`, `OR` and
`title:` are literal text, which the engine's tokenizer then reduces to the words inside them.
"""

import re
import unicodedata

from app.errors import BadRequest
from app.ingest.normalize import CONTROL_CHARACTERS

_HAS_WORD = re.compile(r"[^\W_]")


def parse_terms(text: str) -> list[str]:
    """The searchable words of `text`; BadRequest when it has none."""
    clean = unicodedata.normalize("NFC", text.translate(CONTROL_CHARACTERS))
    terms = [t for t in clean.split() if _HAS_WORD.search(t)]
    if not terms:
        raise BadRequest(
            f"The query {text[:80]!r} has no searchable word: it holds only punctuation or "
            "white space. Search for at least one word or number."
        )
    return terms
