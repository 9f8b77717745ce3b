""" "Did you mean": a close spelling of a query's words that finds much more than the query did.

When a search finds LITTLE releases or fewer, each word the query looks for (not an excluded one,
not a prefix) that is itself that rare is looked at. Its candidates are the spellings one edit
away (a letter left out, added, changed, or two swapped; in Cyrillic, the Kazakh letters
`әғқңөұүһі` among the letters, and two plain letters written as their Kazakh pair, `Казакстан` →
`Қазақстан`), and the spellings one edit away from the forms the index would hold for it (an
English stem: `almatty` → `almatti` → `almati`). The candidates the index's vocabulary holds
(`search_term` on both engines: every word ingestion has indexed) are counted, each up to CAP
releases, and the one found in the most releases (ties: the first in code point order) replaces
the word, written as a reader would type it (`almaty`, not the stem `almati`).

The corrected query is counted too, with the request's filters: it is suggested only when it finds
at least MUCH_MORE times as many releases as the query (and at least one). The counts are the
engine's own matches of the same words, so both engines suggest the same.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from app.search.grammar import AllOf, AnyOf, Node, Phrase, Term
from app.text.analyser import CYRILLIC, alternatives, form
from app.text.words import words

LITTLE = 3
MUCH_MORE = 5
CAP = 1000
MIN_LETTERS = 3
MOST_CANDIDATES = 24  # counted per word, at most
MOST_WORDS = 4  # words looked at per query, at most (the first in code point order)
LATIN = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі"
KAZAKH_PAIRS = {"а": "ә", "г": "ғ", "к": "қ", "н": "ң", "о": "ө", "у": "ұү", "х": "һ", "и": "і"}


@dataclass(frozen=True, slots=True)
class Index:
    """What suggest() reads from an engine's index."""

    known: Callable[[list[str]], set[str]]  # which of these words the vocabulary holds
    holders: Callable[[str], int]  # how many releases hold this index word, up to CAP
    matches: Callable[[str], int]  # how many releases this query text finds, up to CAP


def _looked_for(node: Node) -> Iterator[Term | Phrase]:
    match node:
        case AllOf(required, _excluded):
            for child in required:
                yield from _looked_for(child)
        case AnyOf(options):
            for child in options:
                yield from _looked_for(child)
        case Term(prefix=False) | Phrase():
            yield node


def edits(word: str) -> set[str]:
    """The spellings one edit away, in the word's alphabet."""
    alphabet = CYRILLIC_LETTERS if CYRILLIC.search(word) else LATIN
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {a + b[1:] for a, b in splits if b}
    found |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    found |= {a + letter + b[1:] for a, b in splits if b for letter in alphabet}
    found |= {a + letter + b for a, b in splits for letter in alphabet}
    if alphabet is CYRILLIC_LETTERS:
        found |= _kazakh_pairs(word)
    found.discard(word)
    return found


def _kazakh_pairs(word: str) -> set[str]:
    """The word with two of its plain letters written as their Kazakh pairs."""
    places = [i for i, letter in enumerate(word) if letter in KAZAKH_PAIRS]
    found = set()
    for n, first in enumerate(places):
        for second in places[n + 1 :]:
            for one in KAZAKH_PAIRS[word[first]]:
                for other in KAZAKH_PAIRS[word[second]]:
                    letters = list(word)
                    letters[first], letters[second] = one, other
                    found.add("".join(letters))
    return found


def _typed(candidate: str, surfaces: Iterable[str]) -> str | None:
    """How a reader types the index word `candidate`: one of the spellings tried whose forms
    hold it (the first in code point order), or the word itself when it finds itself."""
    typed = sorted(s for s in surfaces if candidate in alternatives(s))
    if typed:
        return typed[0]
    return candidate if candidate in alternatives(candidate) else None


def _correction(word: str, index: Index) -> str | None:
    """The spelling of `word` found in the most releases, when the word itself is rare."""
    own = alternatives(word)
    if any(index.holders(f) > LITTLE for f in own):
        return None
    surface = edits(word)
    from_forms = set().union(*(edits(f) for f in own[:1])) - surface
    known = index.known(sorted(surface | from_forms))
    candidates = sorted(known - set(own), key=lambda w: (w not in surface, w))
    best: tuple[int, str] | None = None
    for candidate in candidates[:MOST_CANDIDATES]:
        count = index.holders(candidate)
        if count and (best is None or count > best[0]):
            best = (count, candidate)
    if best is None:
        return None
    latin = {s for s in surface if not CYRILLIC.search(s) and form(s, False, False) == best[1]}
    return _typed(best[1], latin if best[1] not in surface else {best[1]})


def suggest(text: str, query: AllOf, total: int, index: Index) -> str | None:
    """The corrected query text, or None when there is none worth suggesting."""
    if total > LITTLE:
        return None
    wanted = {w.folded for node in _looked_for(query) for w in words(node.text)}
    corrections: dict[str, str] = {}
    eligible = [w for w in sorted(wanted) if len(w) >= MIN_LETTERS and w.isalpha()]
    for word in eligible[:MOST_WORDS]:
        if (better := _correction(word, index)) is not None and better != word:
            corrections[word] = better
    if not corrections:
        return None
    parts, at = [], 0
    for found in words(text):
        if found.folded in corrections:
            parts += [text[at : found.start], corrections[found.folded]]
            at = found.end
    suggestion = "".join(parts) + text[at:]
    if index.matches(suggestion) < max(1, MUCH_MORE * total):
        return None
    return suggestion
