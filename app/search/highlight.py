"""The one highlighter: snippets cut from a release's own text, the same on every engine.

The query's terms and phrases (app/text/analyser.py `sequences`) are found in the text by their
base forms, and marked as the release wrote them: `q=Казахстан` marks `<mark>Казахстана</mark>`.
The text is never analysed whole. The start of each form (a base form and the words it comes
from share their first letters, but for its last two or so: `орталық`/`орталығы`, `казахстан`/
`Казахстаном`) is looked for with str.find, which scans a few KB in a microsecond where a regular
expression takes 30; only the words found there are reduced to their base forms and compared,
and a phrase's following words are read only after a candidate for its first. A body is at most
LONG_BODY_CHARS (a long release's snippet comes from one passage, app/search/passages.py), so a
snippet costs tens of microseconds.

The snippet is the SNIPPET_WORDS words around the first place that holds the most of the query's
terms, with `…` where the text goes on, white space collapsed, HTML-escaped, each match in
`<mark>`…`</mark>`: safe to insert into a page as it is.
"""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from app.search.grammar import AllOf, Node, Phrase, Term, highlighted
from app.text.analyser import Sequences, form, is_kazakh, sequences
from app.text.words import MAX_WORD_CHARS, WORD, fold

SNIPPET_WORDS = 24
# A match this few words from the start of the text is shown from the start; otherwise the snippet
# begins LEAD_WORDS words before it.
FROM_START_WORDS = 8
LEAD_WORDS = 3
# The matches looked at, at most: the best place is among the first ones (a word on every line
# would otherwise cost a page of hits a millisecond).
MAX_MATCHES = 32
# How far apart (in characters, about SNIPPET_WORDS words) matches count as one place.
PLACE_CHARS = 160
_SPACE = re.compile(r"\s+")
_SCAN_CHARS = 40 * SNIPPET_WORDS  # where a snippet's words are looked for, at most


# One way a leaf may match: its number, and the sequence of forms (the last a prefix, or not).
_Option = tuple[int, tuple[str, ...], bool]


@dataclass(frozen=True, slots=True)
class Marker:
    """The query's terms and phrases to mark, prepared once per query."""

    starts: tuple[str, ...]  # what the words that may match start with
    by_first: dict[str, tuple[_Option, ...]]  # the options whose first form is this word
    by_prefix: tuple[tuple[str, _Option], ...]  # the options that are a single prefix

    def candidates(self, folded: str) -> list[re.Match[str]]:
        """The words of the folded text that start like one of the forms, in text order."""
        found: dict[int, re.Match[str]] = {}
        for start in self.starts:
            at = folded.find(start)
            while at != -1:
                if at not in found and _word_starts(folded, at):
                    word = WORD.match(folded, at)
                    if word is not None:
                        found[at] = word
                at = folded.find(start, at + 1)
        return [found[at] for at in sorted(found)]

    def options(self, first: str) -> list[_Option]:
        """The options that may start with a word of this form, in the query's order."""
        found = list(self.by_first.get(first, ()))
        found += [option for prefix, option in self.by_prefix if first.startswith(prefix)]
        return sorted(found, key=lambda option: option[0]) if self.by_prefix else found


def _word_starts(folded: str, at: int) -> bool:
    """Whether a word starts at `at` (in `Kazakhstan's`, `s` is inside one)."""
    if at == 0 or not (before := folded[at - 1]).isalnum():
        return at == 0 or before != "'" or at < 2 or not folded[at - 2].isalnum()
    return False


def _start_of(word: str) -> str:
    """What the words a form comes from start with: all of a short form, else all but its last
    two letters."""
    return word[: max(min(len(word), 3), len(word) - 2)]


@lru_cache(maxsize=1024)
def marker(leaves: tuple[Sequences, ...]) -> Marker | None:
    """The marker of these leaves; None when they hold no word to look for."""
    by_first: dict[str, list[_Option]] = {}
    by_prefix: list[tuple[str, _Option]] = []
    for number, leaf in enumerate(leaves):
        for option in leaf.options:
            if len(option) == 1 and leaf.prefix:
                by_prefix.append((option[0], (number, option, True)))
            elif option:
                by_first.setdefault(option[0], []).append((number, option, leaf.prefix))
    starts = {_start_of(first) for first in by_first} | {_start_of(p) for p, _ in by_prefix}
    # a start that begins with another finds nothing more
    kept = tuple(s for s in starts if not any(s != o and s.startswith(o) for o in starts))
    if not kept:
        return None
    return Marker(kept, {k: tuple(v) for k, v in by_first.items()}, tuple(by_prefix))


@dataclass(frozen=True, slots=True)
class _Match:
    start: int
    end: int
    leaf: int


def _matches(text: str, folded: str, kazakh_text: bool, marker: Marker) -> list[_Match]:
    found: list[_Match] = []
    forms: dict[int, str] = {}

    def form_at(match: re.Match[str]) -> str:
        start = match.start()
        if start not in forms:
            forms[start] = form(match[0][:MAX_WORD_CHARS], kazakh_text, text[start].isupper())
        return forms[start]

    for candidate in marker.candidates(folded):
        if found and candidate.start() < found[-1].end:
            continue
        for number, option, prefix in marker.options(form_at(candidate)):
            end = _sequence_end(folded, candidate, option, prefix, form_at)
            if end is not None:
                found.append(_Match(candidate.start(), end, number))
                break
        if len(found) == MAX_MATCHES:
            break
    return found


def _sequence_end(
    folded: str,
    candidate: re.Match[str],
    option: tuple[str, ...],
    prefix: bool,
    form_at: Callable[[re.Match[str]], str],
) -> int | None:
    """Where the option's sequence, whose first form the candidate has, ends there; None when
    the words that follow the candidate are not the rest of it."""
    end = candidate.end()
    for index in range(1, len(option)):
        following = WORD.search(folded, end)
        if following is None:
            return None
        found, wanted = form_at(following), option[index]
        last = prefix and index == len(option) - 1
        if not (found.startswith(wanted) if last else found == wanted):
            return None
        end = following.end()
    return end


def _render(text: str, start: int, end: int, matches: list[_Match]) -> str:
    pieces, at = [], start
    for match in matches:
        if match.start < start or match.end > end:
            continue
        pieces.append(html.escape(text[at : match.start], quote=False))
        pieces.append(
            "<mark>" + html.escape(text[match.start : match.end], quote=False) + "</mark>"
        )
        at = match.end
    pieces.append(html.escape(text[at:end], quote=False))
    return _SPACE.sub(" ", "".join(pieces)).strip()


def highlight_all(text: str, language: str | None, marker: Marker | None) -> str | None:
    """The whole text (a title) with its matches marked; None when nothing in it matches."""
    if marker is None:
        return None
    matches = _matches(text, fold(text), is_kazakh(language), marker)
    return _render(text, 0, len(text), matches) if matches else None


def snippet(text: str, language: str | None, marker: Marker | None) -> str | None:
    """The SNIPPET_WORDS words of the text around its best place; None when nothing matches."""
    if marker is None:
        return None
    folded = fold(text)
    matches = _matches(text, folded, is_kazakh(language), marker)
    if not matches:
        return None
    at = matches[_best_place(matches)].start
    before = [
        word.start() for word in WORD.finditer(folded, max(0, at - 12 * FROM_START_WORDS), at)
    ]
    if at <= 12 * FROM_START_WORDS and len(before) <= FROM_START_WORDS:
        start = 0
    else:
        start = before[-LEAD_WORDS] if len(before) >= LEAD_WORDS else at
    end, count = start, 0
    for count, word in enumerate(WORD.finditer(folded, start, start + _SCAN_CHARS), 1):
        end = word.end()
        if count == SNIPPET_WORDS:
            break
    if count < SNIPPET_WORDS and start + _SCAN_CHARS >= len(text):
        end = len(text)
    if end < len(text) and not WORD.search(folded, end):
        end = len(text)  # only punctuation is left
    cut_before, cut_after = start > 0, end < len(text)
    return (
        ("…" if cut_before else "")
        + _render(text, start, end, matches)
        + ("…" if cut_after else "")
    )


def _best_place(matches: list[_Match]) -> int:
    """The first match of the place that holds the most distinct leaves, then the most matches,
    within PLACE_CHARS (the earliest such place)."""
    best, best_score, end = 0, (0, 0), 0
    for first, match in enumerate(matches):
        end = max(end, first)
        while end < len(matches) and matches[end].start - match.start < PLACE_CHARS:
            end += 1
        near = matches[first:end]
        score = (len({m.leaf for m in near}), len(near))
        if score > best_score:
            best, best_score = first, score
    return best


@lru_cache(maxsize=1024)  # asked for every hit of a page: worked out once per query
def query_marker(query: AllOf, *, titles: bool) -> Marker | None:
    """The marker of what a query looks for (app/search/grammar.py `highlighted`): with
    `titles`, its `title:` terms too."""
    leaves = highlighted(query, titles=titles)
    if leaves is None:
        return None
    return marker(tuple(_sequences(leaf) for leaf in leaves.options))


def _sequences(leaf: Node) -> Sequences:
    match leaf:
        case Term(text, prefix):
            return sequences(text, prefix)
        case Phrase(text):
            return sequences(text)
    raise TypeError(leaf)  # pragma: no cover  (highlighted() gives terms and phrases only)


@dataclass(frozen=True, slots=True)
class Passage:
    """The passage of a long release a snippet is cut from (app/search/passages.py)."""

    number: int  # 0 for the first of the release
    body: str
    more: bool  # other passages follow it


def release_snippet(
    query: AllOf, title: str, language: str | None, body: str | None, passage: Passage | None
) -> str:
    """A search hit's snippet: from the body of a short release (`body`) or from the best
    passage of a long one, with `…` where the body goes on; else the title, its matches marked
    (a release that matched by its title only)."""
    text = body if body is not None else (passage.body if passage is not None else None)
    found = None if text is None else snippet(text, language, query_marker(query, titles=False))
    if found is not None and passage is not None:
        if passage.number > 0 and not found.startswith("…"):
            found = "…" + found
        if passage.more and not found.endswith("…"):
            found += "…"
    if found is not None:
        return found
    marked = highlight_all(title, language, query_marker(query, titles=True))
    return marked if marked is not None else _SPACE.sub(" ", html.escape(title, quote=False))
