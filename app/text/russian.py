"""Russian base forms: the one form a Russian word is indexed under, and the forms a query's word
stands for.

The rule (`base_form`), for a word of Russian letters only (anything else is returned unchanged:
Latin, digits, numbers, other scripts; a hyphenated word arrives as its parts, each a word):

1. The word is known to the dictionary (pymorphy3's OpenCorpora dictionary: a reading found by
   DictionaryAnalyzer alone, no guessed prefix or suffix):
   - lower case: the lemma of pymorphy3's best reading (`казахстана` → `казахстан`, `провели` →
     `провести`, `казахстанского` → `казахстанский`, `стали` → `стать`);
   - capitalised: a proper noun's reading (Geox, Orgn, Surn) is preferred to the best one when it
     is at least half as likely (`Астану` → `астана`, not the first name `астан`); and a word
     shaped like a nominative surname in -ев after a vowel that the dictionary reads only as a
     common noun's plural genitive is that surname, as written (`Токаев` → `токаев`, not
     `токай`, "of Tokaji wines"). Only -ев after a vowel (Kazakh and Turkic -аев/-баев/-иев
     surnames): -ов and -ин would take `Штатов`, `Министров`, `Эмиратов`, `Машин` for surnames.
2. The word is unknown (pymorphy3 only predicts its readings):
   - capitalised and shaped like a surname (stem in -ов/-ев/-ин/-ын, then nothing or one of the
     endings -а -у -ым -е -ой -ою -ых -ыми -ы): that stem, the masculine nominative
     (`Токаева`, `Токаеву`, `Токаевым`, `Токаевой` → `токаев`);
   - otherwise Snowball (PyStemmer's Russian): predictions of unknown words are guesses; Snowball
     is at least the same guess for a word's regular forms (`вучича`, `вучичем` → `вучич`).
   A feminine surname is indexed under the masculine (`Токаева` the woman = `Токаев` the man):
   a search for one finds the other, which is what a reader of press releases wants.
3. The lemma's `ё` is folded to `е`, as the text's is.

The query side (`base_forms`) is every form a document could hold for some form of the word's
lexemes: both capitalisations of the word, then, for every dictionary reading of the word (or the
best prediction of an unknown word) and, when the word is a surname by rule 2, the surname's
paradigm, the base forms of all of that lexeme's forms under both capitalisations. A form's other
reading is followed only when that form belongs to the lexeme with a likelihood of at least
MIN_SHARE: `стали` is steel 2% of the time, so `сталь` stands for `сталь` and `стать`; `после` is
the ambassador 0.05% of the time, so `посол` does not stand for the preposition `после`.

Measured on tests/russian_forms.py (62 lexemes, 332 forms, 1,638 ordered pairs of forms of one
lexeme; `python -m bench.russian_forms`), documents capitalised as they would be:

    strategy          lexemes whose forms all meet  failing pairs  colliding lexemes
    Snowball alone    40/62                         290            2
    pymorphy3 lemma   56/62                          66            2
    this rule         61/62                           6            2

(the same with documents in either case). Snowball splits Казахстан and the other -стан names
(`казахста`, `казахстан`), Астана, Китай and the -ев/-ов surnames (`тока`, `токаев`);
pymorphy3's best lemma alone reads `Токаев` as `токай` and `Токаева` as the first name
`токаева`, `Астану` as the first name `астан`, `Вучича` as a feminine noun, `Бектенова` as an
adjective, and `стали` as `стать` only. This rule's one failing lexeme is `посол`, whose `после`
is below MIN_SHARE (above). The collisions are the ones no document-side rule can avoid: `стали`
is `стать` whichever it means, and the feminine surname is the masculine by design.

Speed (the bench, one core): pymorphy3 parses 10,000 to 14,000 words/s, and this rule's document
side as fast (one parse per word gives both capitalisations); its query side, which parses every
form of the word's lexemes, about 2,000 words/s; cached, either is a dictionary lookup (millions
of words/s). The document-side cache holds CACHE_WORDS words at about 0.2 KB each (6.4 MB when
full, measured): the most frequent forms of an archive's running text, a parse saved for each of
their occurrences (the analyser keeps its own cache of forms in front of this one, so this one
mostly serves the query side's lexemes). Memory, measured: 40 MB of RSS with the dictionary loaded
and the table analysed (12 MB before the first call: the dictionary is loaded on first use, never
at import), 51 MB with the cache full.

Known limits: the case of a sentence's first word is no evidence, and the rules for capitalised
words take it as such: `Случаев` opening a sentence is indexed as the surname `случаев` (a query
for `случай` still finds it: `base_forms` follows the capitalised forms too), and any unknown
capitalised word of a surname's shape is taken for a surname. An unknown surname of another shape
is Snowball's (`Гутерриш`; a first name such as `Тлеуберди` → `тлеуберд`), as is every unknown
word. Aspect pairs are different verbs (`провести`, `проводить`), as in the dictionary. A query's
word does not stand for its lexeme's improbable readings (under MIN_SHARE: `посол`, `после`).
"""

import re
import threading
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from typing import Any

import Stemmer

# Words cached (document side): about 0.2 KB each with both forms, 6.4 MB when full; a cached word
# costs a dictionary lookup, a parse about 80 µs (pymorphy3: 10,000 to 14,000 words/s).
CACHE_WORDS = 32_768
# Query words cached: a query's vocabulary is small, and each entry is a handful of forms.
CACHE_QUERIES = 4096
# At most this many forms for a query's word.
MAX_FORMS = 8
# A form of a lexeme whose base form is another word is followed only when the form is this
# lexeme's reading with at least this likelihood (pymorphy3's score, summed over the readings).
MIN_SHARE = 0.005

_RUSSIAN = re.compile(r"[а-яё]+", re.IGNORECASE)
_PROPER = frozenset({"Geox", "Orgn", "Surn"})
# A surname's stem and case ending (feminine and plural included); `ё` is folded already.
_SURNAME = re.compile(r"(?P<stem>[а-я]{2,}?(?:ов|ев|ин|ын))(?P<end>ыми|ым|ых|ою|ой|а|у|е|ы)?")
_SURNAME_ENDINGS = ("", "а", "у", "ым", "е", "ой", "ых", "ыми", "ы")
# A nominative surname in -ев after a vowel: `токаев`, `назарбаев`, `алиев`.
_VOWEL_EV = re.compile(r"[а-я]+[аеиоуыэюя]ев")
# the parts of speech of one verb's lexeme (its participles and gerunds are its forms)
_VERB = frozenset({"INFN", "VERB", "PRTF", "PRTS", "GRND"})
_STEM_LOCK = threading.Lock()  # a Stemmer must not be called by two threads at once


@cache
def _morph() -> Any:
    """pymorphy3's analyser with its Russian dictionary: loaded once per process, on first use."""
    import pymorphy3  # noqa: PLC0415 (lazy: ~28 MB, ~0.1 s)

    return pymorphy3.MorphAnalyzer(lang="ru")


@cache
def _snowball() -> Any:
    return Stemmer.Stemmer("russian", 0)  # no cache of its own: ours is in front of it


def _stem(word: str) -> str:
    with _STEM_LOCK:
        return str(_snowball().stemWord(word))


def _fold(lemma: Any) -> str:
    return str(lemma).replace("ё", "е")


def _folded(word: str) -> str:
    return word.lower().replace("ё", "е")


def _known(reading: Any) -> bool:
    """Whether the reading is the dictionary's own (not a prediction from a prefix or suffix)."""
    stack = reading.methods_stack
    return len(stack) == 1 and type(stack[0][0]).__name__ == "DictionaryAnalyzer"


def _proper(reading: Any) -> bool:
    return not _PROPER.isdisjoint(reading.tag.grammemes)


def _plural_genitive(reading: Any) -> bool:
    tag = reading.tag
    return bool(tag.POS == "NOUN" and tag.number == "plur" and tag.case in ("gent", "accs"))


def _surname_stem(word: str) -> str | None:
    found = _SURNAME.fullmatch(word)
    return found["stem"] if found else None


def _known_capitalised(word: str, readings: list[Any]) -> str:
    """A capitalised word's base form from its dictionary readings, the likeliest first."""
    best = readings[0]
    chosen = next((r for r in readings if _proper(r)), best)
    if chosen.score * 2 < best.score:
        chosen = best
    if (
        not _proper(chosen)
        and _VOWEL_EV.fullmatch(word)
        and all(_plural_genitive(r) and not _proper(r) for r in readings)
    ):
        return word
    return _fold(chosen.normal_form)


@lru_cache(maxsize=CACHE_WORDS)
def _forms(word: str) -> tuple[str, str]:
    """The word's base form when capitalised and when not (one parse for both)."""
    readings = [r for r in _morph().parse(word) if _known(r)]
    if readings:
        lower = _fold(readings[0].normal_form)
        upper = _known_capitalised(word, readings)
    else:
        lower = _stem(word) or word
        upper = _surname_stem(word) or lower
    return (upper, upper) if upper == lower else (upper, lower)


def base_form(word: str, capitalised: bool) -> str:
    """The one form a word of a Russian text is indexed under.

    `word` is one folded word (lower case, `ё` = `е`, no apostrophes); `capitalised` says whether
    the text wrote its first letter in upper case. A word of other characters (Latin, digits,
    Kazakh letters, a hyphen) is returned as it is.
    """
    if not _RUSSIAN.fullmatch(word):
        return word
    upper, lower = _forms(_folded(word))
    return upper if capitalised else lower


def _share(form: str, lemma: str) -> float:
    """How likely the form is a form of this lemma, by pymorphy3's scores."""
    return float(sum(r.score for r in _morph().parse(form) if _fold(r.normal_form) == lemma))


def _lexemes(word: str) -> Iterator[tuple[str, list[str], bool]]:
    """The lexemes the word may be a form of: their lemmas, their forms, and whether all of them
    are surely the lexeme's (a surname's paradigm) rather than readings to weigh."""
    readings = _morph().parse(word)
    # an unknown word's likeliest noun: predictions of other parts of speech are wild (`бектенова`
    # as the short adjective of `бектеновый`, with its superlatives)
    known = [r for r in readings if _known(r)]
    guessed = [r for r in readings if r.tag.POS == "NOUN"][:1]
    seen: set[tuple[str, str]] = set()
    for reading in known or guessed:
        part = "VERB" if reading.tag.POS in _VERB else str(reading.tag.POS)
        key = (_fold(reading.normal_form), part)
        if key not in seen:
            seen.add(key)
            yield key[0], [_fold(form.word) for form in reading.lexeme], False
    stem = _surname_stem(word)
    if stem is not None and base_form(word, True) == stem:
        yield stem, [stem + ending for ending in _SURNAME_ENDINGS], True


def _unique(forms: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(forms))


@lru_cache(maxsize=CACHE_QUERIES)
def base_forms(word: str) -> tuple[str, ...]:
    """Every form a document could have indexed for this word or another of its forms, the
    likeliest first: the word's own base forms (capitalised, then not) lead."""
    if not _RUSSIAN.fullmatch(word):
        return (word,)
    word = _folded(word)
    found = list(_unique((base_form(word, True), base_form(word, False))))
    for lemma, forms, sure in _lexemes(word):
        for form in _unique(forms):
            if not _RUSSIAN.fullmatch(form):
                continue
            for other in _unique((base_form(form, True), base_form(form, False))):
                if other in found:
                    continue
                if sure or other == lemma or _share(form, lemma) >= MIN_SHARE:
                    found.append(other)
    return tuple(found[:MAX_FORMS])


def clear_caches() -> None:
    """Forget every cached word (for measurements); the dictionary stays loaded."""
    _forms.cache_clear()
    base_forms.cache_clear()
