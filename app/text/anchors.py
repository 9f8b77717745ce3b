"""What survives translation: the anchors of a text that its Kazakh, Russian and English versions
share, for finding translations (app/ingest/links.py).

- numbers: each run of two or more digits (`1,5 млрд` and `1.5 billion` both give `1` dropped and
  `5` dropped: one digit says little; `2025`, `150` and `000` kept);
- dates: a day beside a month's name in any of the three languages (`12 March`, `March 12`,
  `12 марта`, `12 наурызда`), as `12.03`;
- names: each capitalised word that does not begin a sentence and names no month, a Cyrillic one
  reduced to its base form by the analyser (`Тоқаевтың` → `тоқаев`, `Токаевым` → `токаев`; a Latin
  one is only folded: English stems cut names, `Guterres` → `guterr`), then transliterated to
  Latin letters and cut to a consonant skeleton of at most four letters, so that one name spelt
  in three alphabets gives one key: `Tokayev`, `Токаев`, `Тоқаев` → `tkv`; `Almaty`, `Алматы`,
  `Алматыдағы` → `almt`; `Kazakhstan`, `Казахстан`, `Қазақстан` → `kzks`. (Four letters, because
  a suffix the Kazakh rules leave on, `-дағы`, and the ends of spellings that part, `Guterres` and
  `Гутерриш`, come after them.) A skeleton of fewer than three letters is left out.

A pure function of the text: the same anchors whatever the engine.
"""

import re
from collections.abc import Iterator

from app.text.analyser import CYRILLIC, form, is_kazakh
from app.text.words import WORD, fold, fold_apostrophes

_DIGITS = re.compile(r"\d{2,}")
SKELETON_LETTERS = 4
_SENTENCE_END = re.compile(r"[.!?:;]\s*$")

_CYRILLIC_TO_LATIN = str.maketrans(
    {
        "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e",
        "ж": "j", "з": "z", "и": "i", "й": "i", "і": "i", "к": "k", "қ": "k", "л": "l",
        "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s",
        "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "k", "һ": "h", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya",
    }
)  # fmt: skip
# Latin spellings of one sound, made one: `kh` (Kazakhstan) is the х and қ of the Cyrillic
# spellings, `zh`, `dzh` and `j` their ж (Zhenis, Jomart), `q` their қ.
_LATIN_SOUNDS = (("dzh", "j"), ("zh", "j"), ("kh", "k"), ("q", "k"), ("x", "ks"), ("w", "v"))
_VOWELS = re.compile(r"[aeiouy]")
_DOUBLED = re.compile(r"(.)\1+")

MONTHS = {
    # English, Russian (the stems of every case: `марта`, `мае`) and Kazakh, month by month
    1: ("january", "январ", "қаңтар"),
    2: ("february", "феврал", "ақпан"),
    3: ("march", "март", "наурыз"),
    4: ("april", "апрел", "сәуір"),
    5: ("may", "ма", "мамыр"),
    6: ("june", "июн", "маусым"),
    7: ("july", "июл", "шілде"),
    8: ("august", "август", "тамыз"),
    9: ("september", "сентябр", "қыркүйек"),
    10: ("october", "октябр", "қазан"),
    11: ("november", "ноябр", "қараша"),
    12: ("december", "декабр", "желтоқсан"),
}
_RUSSIAN_MAY = re.compile(r"ма[йяе]")


def _month(word: str) -> int | None:
    """The month a folded word names, or None."""
    for number, (english, russian, kazakh) in MONTHS.items():
        if word == english or word.startswith(kazakh):
            return number
        if russian == "ма":
            if _RUSSIAN_MAY.fullmatch(word):
                return number
        elif word.startswith(russian) and len(word) <= len(russian) + 3:
            return number
    return None


def _day(word: str | None) -> bool:
    return word is not None and word.isdigit() and 1 <= int(word) <= 31


def skeleton(word: str) -> str:
    """A name's key: Latin letters, one spelling per sound, no vowels but a first one, no
    doubled letters."""
    latin = word.translate(_CYRILLIC_TO_LATIN)
    for spelling, sound in _LATIN_SOUNDS:
        latin = latin.replace(spelling, sound)
    latin = latin.replace("'", "")
    if not latin:
        return ""
    return _DOUBLED.sub(r"\1", latin[0] + _VOWELS.sub("", latin[1:]))


def _words_in_sentences(text: str) -> Iterator[tuple[str, bool]]:
    """Each word of the text as written, and whether it begins a sentence."""
    previous_end = 0
    starts = True
    for found in WORD.finditer(fold_apostrophes(text)):
        between = text[previous_end : found.start()]
        if previous_end and _SENTENCE_END.search(between):
            starts = True
        yield found[0], starts
        starts = False
        previous_end = found.end()


def anchors(title: str, body: str, language: str | None) -> frozenset[str]:
    """The numbers, dates and name keys of a release's title and body."""
    kazakh_text = is_kazakh(language)
    found: set[str] = set()
    for text in (title, *body.split("\n\n")):
        found.update(f"#{digits.lstrip('0') or '0'}" for digits in _DIGITS.findall(text))
        previous: str | None = None
        for word, starts in _words_in_sentences(text):
            folded = fold(word)
            month = _month(folded) if not folded.isdigit() else None
            if month is not None and _day(previous):
                found.add(f"@{int(previous or 0)}.{month}")
            elif _day(folded) and previous is not None and (before := _month(previous)):
                found.add(f"@{int(folded)}.{before}")
            previous = folded
            if starts or month is not None or not word[0].isupper() or folded.isdigit():
                continue
            base = form(folded, kazakh_text, True) if CYRILLIC.search(folded) else folded
            key = skeleton(base.removesuffix("'s"))[:SKELETON_LETTERS]
            if len(key) >= 3:
                found.add(key)
    return frozenset(found)


def agreement(first: frozenset[str], second: frozenset[str]) -> tuple[int, float]:
    """How many anchors two texts share, and their Dice coefficient (2|A∩B| / (|A| + |B|))."""
    if not first or not second:
        return 0, 0.0
    shared = len(first & second)
    return shared, 2 * shared / (len(first) + len(second))
