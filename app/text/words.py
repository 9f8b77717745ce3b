"""Words: where they are in a text, and their folded spelling.

Folding is one character for one character, so that a word found in the folded text is at the same
offsets in the original (the highlighter marks the release's own spelling there): lower case,
Latin letters without their diacritics (`Türkiye` = `turkiye`, `İstanbul` = `istanbul`), Russian
`ё` = `е`, the typographic apostrophe = `'`. Every other letter stays what it is: the Kazakh `ә ғ қ
ң ө ұ ү һ і` are letters of their own, never a `а г к н о у у х и` with a mark (they have no
decomposition in Unicode, and `й`, which has one, is not folded either).

A word is a run of letters and digits (Unicode's: any script), with apostrophes inside it
(`Kazakhstan's`, `O'Brien`); every other character separates words. A word longer than
MAX_WORD_CHARS is cut there, by every engine alike (PostgreSQL refuses lexemes over 2 KB).
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

MAX_WORD_CHARS = 64
APOSTROPHE = "'"
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# Letters that decompose into no base letter, or whose lower case is two characters.
_SPECIAL = {"İ": "i", "ı": "i", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l"}
_SPECIAL |= {"ё": "е", "Ё": "е", "\u2019": APOSTROPHE, "\u02bc": APOSTROPHE}


def _folded_char(char: str) -> str:
    if (special := _SPECIAL.get(char)) is not None:
        return special
    lower = char.lower()
    if len(lower) != 1:  # `ẞ`, ligatures: kept as they are, so that offsets do not move
        return char
    if lower.isascii() or "LATIN" not in unicodedata.name(lower, ""):
        return lower
    base = unicodedata.normalize("NFKD", lower)[0]
    return base if base.isascii() and base.isalpha() else lower


# After lower(), the characters folding changes: lower-case Latin letters with diacritics, `ё`,
# the apostrophes, the few special letters. A text's other characters are left to str.lower().
_LATIN_RANGES = ((0x00C0, 0x0250), (0x1E00, 0x1F00))
_CHANGED = {
    char: folded
    for low, high in _LATIN_RANGES
    for char in map(chr, range(low, high))
    if char == char.lower() and (folded := _folded_char(char)) != char
} | {char.lower(): folded for char, folded in _SPECIAL.items() if len(char.lower()) == 1}
# The UTF-8 lead bytes of those ranges, found by bytes.translate and a memchr at C speed (a
# regular expression for the ranges took 23 µs for 3 KB of text, this 3).
_LATIN_LEADS = bytes(1 if 0xC3 <= byte <= 0xC9 or byte == 0xE1 else 0 for byte in range(256))
_FOLDABLE = re.compile("[" + "".join(re.escape(char) for char in sorted(_CHANGED)) + "]")


def fold_apostrophes(text: str) -> str:
    """The text with its apostrophes folded, and nothing else: it splits into the same words as
    the folded text, at the same offsets. (str.replace scans in C; str.translate looks every
    character up, ten times slower.)"""
    return text.replace("\u2019", APOSTROPHE).replace("\u02bc", APOSTROPHE)


def _fold_one(match: re.Match[str]) -> str:
    return _CHANGED[match[0]]


def fold(text: str) -> str:
    """The text folded, character for character (same length, same offsets). `İ` is the one
    letter whose lower case is two characters: it is folded before lower() sees it."""
    lowered = text.replace("İ", "i").lower()
    if lowered.isascii():
        return lowered
    # str.replace scans in C; a regular expression takes ten times as long to find nothing
    lowered = lowered.replace("ё", "е").replace("\u2019", APOSTROPHE).replace("\u02bc", APOSTROPHE)
    if 1 in lowered.encode().translate(_LATIN_LEADS):
        return _FOLDABLE.sub(_fold_one, lowered)
    return lowered


@dataclass(frozen=True, slots=True)
class Word:
    start: int  # offsets in the text the word was found in
    end: int
    folded: str  # folded, apostrophes kept, at most MAX_WORD_CHARS
    capitalised: bool  # the text wrote its first letter in upper case


def words(text: str) -> Iterator[Word]:
    """The words of the text, in order."""
    folded = fold(text)
    for found in WORD.finditer(folded):
        start, end = found.span()
        yield Word(start, end, found[0][:MAX_WORD_CHARS], text[start].isupper())


def folded_words(text: str) -> list[str]:
    """The folded spelling of each word of the text (a query's term, a prefix)."""
    return [word[:MAX_WORD_CHARS] for word in WORD.findall(fold(text))]
