"""The commonest words of each language, and the pairs of them that stand together in a text.

A phrase of two such words (`"was this"`, `"и в"`, `"және де"`) is cheap on no engine that only
knows each word's releases: half the archive holds each word, and each of those releases'
positions must be compared to find the few where the two stand together. So both indexes also
hold each pair of common words that stand together as one more token, `~was~this`: PostgreSQL's
tsvectors as a lexeme at the first word's position (app/search/index.py), the index beside SQLite
in a field of its own beside each text field (app/search/side_index.py). A phrase's query
requires the pair beside the words (app/search/postgres.py, app/search/tantivy_search.py), which
changes nothing it matches: the index finds the pair's releases, a few, where it had hundreds of
thousands of candidates. Lucene's CommonGrams filter does the same. A phrase of just two common
words is its pair alone (`pair_alone`): both engines read it as a word, scored by its count, and
compare no positions at all.

A fixed list, of the function words of English, Russian and Kazakh (what an archive of press
releases in any of them holds most), not the commonest words of the archive at hand: what a
release's index entry holds must not change with the rest of the archive. A phrase of two other
common words is still found, by comparing positions, and priced so by the work budget
(app/search/budget.py).

The words are listed as written; what counts is the base forms a release in their language holds
for them (lower case or capitalised), so that a release's words, already reduced, are looked up as
they are. Which forms are listed changes only what a phrase costs, never what it matches: a
release holds a pair exactly where its two words are listed and stand together, and a query asks
for the pair exactly then. Changing a list changes what the indexes hold: bump PAIRS, and
`pressroom migrate` (or the next start, for the index beside SQLite) rebuilds them.
"""

from collections.abc import Iterator, Sequence
from functools import cache
from itertools import pairwise

from app.text.analyser import form, sequences
from app.text.words import fold

PAIRS = 1
PAIR_MARK = "~"  # no word holds it (app/text/words.py's WORD): a pair is never a word

ENGLISH = """
a about after all also an and any are as at be been before being between both but by can could
did do does during each for from had has have he her his however i if in into is it its may more
most no not of on one only or other our over she should since so some such than that the their
them then there these they this those through to under until up upon was we were what when where
whether which while who will with within would you
"""
RUSSIAN = """
а без более бы был была были было быть в во вот все всё да для до его её ее если есть же за
и из или им их к как ко который которые которая которое когда ли между мы на над не нет но о
об он она они оно от по под после при с со так также то того только у уже чем что чтобы это
этот эта эти я
"""
KAZAKH = """
бен бар бірге бір бұл бойынша болып болды болады да де деп деген дейін еді екен емес және
жоқ кейін мен ол олар осы пен сол сондай-ақ та тағы те туралы үшін арқылы ретінде сияқты
"""


@cache
def common() -> frozenset[str]:
    """The base forms of the listed words, as a release in their language holds them."""
    listed = [(ENGLISH, False), (RUSSIAN, False), (KAZAKH, True)]
    return frozenset(
        form(fold(part), kazakh_text, capitalised)
        for words, kazakh_text in listed
        for word in words.split()
        for part in word.split("-")
        for capitalised in (False, True)
    )


def pair(first: str, second: str) -> str:
    """The lexeme of two common words standing together."""
    return f"{PAIR_MARK}{first}{PAIR_MARK}{second}"


def pairs(words: Sequence[str]) -> Iterator[str]:
    """The lexeme of each two consecutive common words of a text's base forms, in order.
    (app/search/index.py finds them the same way, inline, with the positions a tsvector needs.)"""
    found = common()
    for first, second in pairwise(words):
        if first in found and second in found:
            yield pair(first, second)


def pair_alone(words: Sequence[str]) -> str | None:
    """The pair lexeme that alone finds a sequence of exactly two common words, or None: a
    release holds it exactly where the two stand together in one part, so no positions need
    comparing. (PostgreSQL's positions stop at 16,383 and 256 a word; the pair finds the two
    past those too, as the index beside SQLite does.)"""
    if len(words) == 2 and words[0] in common() and words[1] in common():
        return pair(words[0], words[1])
    return None


def pairs_alone(text: str) -> list[str] | None:
    """The pair lexemes that alone find a phrase (its text as typed), one for each sequence it
    stands for, when each sequence is two common words; None otherwise."""
    options = sequences(text).options
    found = [pair_alone(option) for option in options]
    if not found or None in found:
        return None
    return sorted({lexeme for lexeme in found if lexeme is not None})


def phrase_pairs(text: str) -> list[str]:
    """The pairs of common words every sequence of a phrase (its text as typed) stands for
    holds: a release matching it holds them all (the work budget's candidates,
    app/search/budget.py)."""
    options = [set(pairs(option)) for option in sequences(text).options]
    return sorted(set.intersection(*options)) if options else []
