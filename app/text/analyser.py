"""Which rules make a word's base form, for a release's words and for a query's.

A release's word is reduced by the rules of its script and, for Cyrillic, of the release's
language:

    Latin                       English Snowball (PyStemmer): `agreements` → `agreement`
    Cyrillic, a Kazakh letter   Kazakh suffix rules (kazakh.py): `Қазақстанның` → `қазақстан`
    Cyrillic, a Kazakh release  the Kazakh rules: `министрдің` → `министр`
    Cyrillic, any other         Russian (app/text/russian.py): dictionary lemmas, Snowball for
                                the words it does not know: `Казахстана` → `казахстан`
    anything else               folded only (digits, other scripts)

A query names no language, so each of its words stands for every form a release could hold for it:
the alternatives under both Cyrillic rules (and the Russian dictionary's other readings of an
ambiguous word), ORed. A phrase keeps one word per position: it stands for the sequence of forms
under each rule, as typed, in lower case and capitalised (a handful of sequences at most), so that
it can be matched by engines whose phrases hold no alternatives (FTS5). A prefix (`word*`) is the
folded word as typed, matched against the forms the index holds: `казахстан*` finds every form of
Казахстан and of казахстанский.

The analyser knows no engine and no database: what it returns is space-separated text or lists of
words, which FTS5 (with its `ascii` tokenizer: every character of a word is non-ASCII or a letter
or digit) and PostgreSQL (tsvectors built from the same words) index alike.
"""

import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.metadata import version
from itertools import chain

import Stemmer

from app.text import kazakh, russian
from app.text.words import APOSTROPHE, MAX_WORD_CHARS, WORD, fold, fold_apostrophes, words

# Changing any rule changes what the index holds: bump RULES, and `pressroom reindex` (which a
# migration runs on upgrade) analyses the archive again. The dictionaries' versions are part of it.
RULES = 1
KAZAKH_LETTERS = frozenset("әғқңөұүһі")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")
# the cases a phrase is tried in beside the one typed: a document's forms may depend on it
_CASES = (False, True)


@cache
def version_label() -> str:
    """The analyser's version as the database records it: its rules and its dictionaries."""
    parts = [f"rules {RULES}"]
    parts += [f"{name} {version(name)}" for name in ("pystemmer", "pymorphy3-dicts-ru")]
    return "; ".join(parts)


_ENGLISH = Stemmer.Stemmer("english", 0)  # no cache of its own: `form` caches
_ENGLISH_LOCK = threading.Lock()  # a Stemmer is not thread-safe (slow-lane threads share it)


def _english(word: str) -> str:
    with _ENGLISH_LOCK:
        stemmed: str = _ENGLISH.stemWord(word)
    return stemmed


@lru_cache(maxsize=100_000)  # words and their forms: a few MB, most of an archive's vocabulary
def form(word: str, kazakh_text: bool, capitalised: bool) -> str:
    """The base form of one folded word of a release (Kazakh or not), as the index holds it."""
    if CYRILLIC.search(word):
        plain = word.replace(APOSTROPHE, "")
        if kazakh_text or not KAZAKH_LETTERS.isdisjoint(plain):
            found = kazakh.stem(plain)
        else:
            found = russian.base_form(plain, capitalised)
    elif _LATIN.search(word):
        found = _english(word).replace(APOSTROPHE, "")
    else:
        found = word.replace(APOSTROPHE, "")
    return found or word.replace(APOSTROPHE, "") or word


def is_kazakh(language: str | None) -> bool:
    return language == "kk"


class _TokenForms(dict[str, tuple[str, ...]]):
    """Each white-space separated token met in a release's text (`Kazakhstan's,`), and the base
    forms of the words in it, for a Kazakh text or another: a word never spans white space, so a
    text's words are its tokens' words, in order. At ingest speed the analyser's main cost was
    finding the words and looking each up: most tokens come again (`the`, `cooperation,`), and a
    token met before now costs one lookup at C speed, `map(forms.__getitem__, …)`, with no
    Python call at all (1.6 → 0.6 µs a word on the bench archive). Bounded: emptied when it holds
    MAX tokens (a few tens of MB at most)."""

    MAX = 200_000

    def __init__(self, kazakh_text: bool) -> None:
        super().__init__()
        self.kazakh_text = kazakh_text

    def __missing__(self, token: str) -> tuple[str, ...]:
        if len(self) >= self.MAX:
            self.clear()
        found = self[token] = token_terms(token, self.kazakh_text)
        return found


def token_terms(token: str, kazakh_text: bool) -> tuple[str, ...]:
    """The base forms of the words in one white-space separated token of a release's text (a
    Kazakh one or not): none for a token without a word (`–`). The words are found in the text
    as written (its apostrophes folded: folding changes no other character's being part of a
    word)."""
    return tuple(
        form(fold(word)[:MAX_WORD_CHARS], kazakh_text, word[0].isupper())
        for word in WORD.findall(fold_apostrophes(token))
    )


_TOKENS = (_TokenForms(kazakh_text=False), _TokenForms(kazakh_text=True))


def terms(text: str, language: str | None) -> list[str]:
    """The base form of each word of a release's text, in order: what the index holds."""
    forms = _TOKENS[is_kazakh(language)]
    return list(chain.from_iterable(map(forms.__getitem__, text.split())))


def indexed_text(text: str, language: str | None) -> str:
    """The release's text as FTS5 indexes it: its base forms, separated by spaces."""
    return " ".join(terms(text, language))


@lru_cache(maxsize=4096)
def alternatives(word: str) -> tuple[str, ...]:
    """Every form a release may hold for this folded word of a query, the likeliest first."""
    found = [form(word, kazakh_text, cap) for kazakh_text in (False, True) for cap in _CASES]
    plain = word.replace(APOSTROPHE, "")
    if CYRILLIC.search(plain) and KAZAKH_LETTERS.isdisjoint(plain):
        found += russian.base_forms(plain)
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class Sequences:
    """What one term or phrase of a query matches: any of these sequences of indexed words, in
    consecutive positions, the last one as a prefix when `prefix`."""

    options: tuple[tuple[str, ...], ...]
    prefix: bool = False


def prefix_form(word: str) -> str:
    """A folded word of a query as a prefix of the index's words."""
    return word.replace(APOSTROPHE, "")


@lru_cache(maxsize=4096)
def sequences(text: str, prefix: bool = False) -> Sequences:
    """The sequences a query's term or phrase (its text as typed) stands for."""
    found = list(words(text))
    if not found:
        return Sequences((), prefix)
    folded = [word.folded for word in found]
    if len(folded) == 1:
        only = (prefix_form(folded[0]),) if prefix else alternatives(folded[0])
        return Sequences(tuple((word,) for word in only), prefix)
    typed = [word.capitalised for word in found]
    body = folded[:-1] if prefix else folded
    options: dict[tuple[str, ...], None] = {}
    for kazakh_text in (False, True):
        for cases in (typed, *([cap] * len(folded) for cap in _CASES)):
            forms = tuple(form(w, kazakh_text, cap) for w, cap in zip(body, cases, strict=False))
            options[forms + ((prefix_form(folded[-1]),) if prefix else ())] = None
    return Sequences(tuple(options), prefix)
