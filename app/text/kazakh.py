"""A rule-based stemmer for Kazakh nouns: `stem(word)` is the key full-text search indexes a word
under, so that every inflected form of one noun meets every other (`Қазақстанның`,
`Қазақстанға`, `Қазақстандағы` all give `қазақстан`; `орталығы` gives `орталық`).

Input: one word, lower-cased, `ё` folded to `е`, apostrophes removed. A word that is not Cyrillic
(Latin, digits, mixed: `covid`, `2030`) and a word of fewer than three letters are returned
unchanged. Stdlib only, no data: the grammar below is the whole of it.

The grammar (after the standard school grammar of the literary language)
-----------------------------------------------------------------------

A noun is: stem + plural + possessive + case, each slot optional, in that order. `stem` strips
the slots from the end, in reverse: case, then possessive, then plural; each slot at most once;
the first (longest) suffix of a slot that may stand where it stands wins.

1. Plural: -лар/-лер after a vowel, р, у, й; -дар/-дер after л, м, н, ң, ж, з; -тар/-тер after a
   voiceless consonant (and б, в, г, д, which end loan words only).
2. Possessive: 3rd person -ы/-і after a consonant, -сы/-сі after a vowel; 1st plural
   -ымыз/-іміз, -мыз/-міз; 2nd polite -ыңыз/-іңіз, -ңыз/-ңіз. After a plural only -ы/-і, -ымыз,
   -ыңыз. The 1st and 2nd singular (-ым, -м, -ың, -ң) are NOT stripped: they almost never occur
   in a press release and they are the endings of the deverbal nouns `келісім`, `білім`, `ұйым`,
   `өнім`, of `заң`, `адам`, `әлем`.
3. Case (and the attributive -дағы, the locative plus -ғы):
   genitive      -ның/-нің (vowel, м н ң), -дың/-дің (л р у й ж з), -тың/-тің (voiceless);
   dative        -ға/-ге (vowel, voiced), -қа/-ке (voiceless), -на/-не (3rd possessive);
   accusative    -ны/-ні (vowel), -ды/-ді (voiced), -ты/-ті (voiceless), -н (3rd possessive);
   locative      -да/-де (vowel, voiced), -та/-те (voiceless), -нда/-нде (3rd possessive);
   ablative      -дан/-ден (vowel, л р у й ж з), -нан/-нен (м н ң, 3rd possessive),
                 -тан/-тен (voiceless);
   instrumental  -мен (vowel, л р у й м н ң), -бен (ж з; м н ң too, as some grammars have it),
                 -пен (voiceless), and -менен/-бенен/-пенен;
   attributive   -дағы/-дегі, -тағы/-тегі, -ндағы/-ндегі (3rd possessive).
   The -н- forms (-на, -н, -нда, -ндағы, and -нан after a vowel) follow a 3rd-person possessive
   only: they are stripped only when a possessive -ы/-і/-сы/-сі can be stripped after them.

Assimilation: a suffix's first consonant is chosen by the stem's last sound (the lists above);
a suffix whose consonant does not fit what precedes it is not a suffix there (`президенті` is
not `президен` + accusative -ті: the accusative after н is -ді). `у` counts as a consonant, as
in Kazakh (`кездесуі`, `суға`, `дамуды`).

Vowel harmony: a suffix's vowel is back (а, ы) after a stem whose last vowel is back (а о ұ ы,
and я ю), front (е, і) after a front one (ә е ө ү і э). `у` is passed over (`кездесу` is front,
`даму` back; `су` alone is back). A suffix that disagrees is not stripped. Either is accepted
after an и (Russian loans take front suffixes, `министрге`, `саммиті`; older loans back ones,
`тарихы`, `мұхиты`), after a final к or г (loans take front suffixes there: `Нью-Йоркте`,
`банкке`), and after a surname in -ев (`Тоқаевтың`, the -ев read -ай; but `Медведевтің`). The
instrumental has one form for both.

Consonant alternation: a stem-final қ, к, п is voiced to ғ, г, б before a vowel (`орталық` +
ы = `орталығы`, `жүрек` + і = `жүрегі`, `кітап` + ы = `кітабы`). No native word ends in ғ, г, б,
so every stem ending in one of them is written with қ, к, п, whether a suffix was stripped or
not (a loan `диалог` is indexed `диалок` along with `диалогы`, `диалогқа`).
Vowel elision: `халық` + ы = `халқы`, `орын` + ы = `орны`: the few such stems are listed
(_ELIDED).

What is never stripped (over-stripping is a defect: `астам` must not meet `Астанада`):
- derivational suffixes: -лық/-лік (`орталық`, `министрлік`), the agent -шы/-ші (`елші`,
  `басшы`: an -ы/-і after a consonant plus ш is not a possessive; after a vowel plus ш it is,
  `күші`, `іші`), the attributive -ғы/-гі, -қы/-кі (`жылғы`, `соңғы`, `сыртқы`, `ішкі`: an -ы/-і
  after қ or к, or after a consonant plus ғ or г, is not a possessive; a possessive after a
  vowel plus ғ or г is the alternation);
- a country in consonant + -стан (`Қазақстан`, `Ауғанстан`, `Өзбекстан`): that -тан is not an
  ablative; the vowel + -стан names are listed (`Пәкістан`, `Үндістан`);
- anything that would leave less than a stem: what remains has at least two letters and a
  vowel (the commonest roots have two letters: `ел`, `іс`, `су`, `үй`), and two syllables when
  it ends in a vowel (a one-syllable noun ending in a vowel is all but unknown in Kazakh, and
  `су`, `ту` end in the consonant у): `басы` is `бас` + ы, not `ба` + сы; `күні` is `күн` + і;
- -сы/-сі, -ны/-ні, -мыз, -ңыз after ы or і (those are the linking vowel of a consonant stem:
  `жұмысы` is `жұмыс` + ы, `тұрғыны` is `тұрғын` + ы), except after the agent -шы
  (`елшісі` = `елші` + сі);
- the words of _KNOWN, stems whose endings look like suffixes: place names (`Алматы`,
  `Қарағанды`, `Канада`, `Судан`), nouns (`сауда`, `төраға`, `апта`, `орын`, `ойын`), stems in
  -с and -н whose possessive is ambiguous (`кеңес` + і, not `кеңе` + сі; `аудан` + ы, not `ауда`
  + ны), postpositions, adverbs, pronouns and numerals (`туралы`, `арқылы`, `үшін`, `кейін`,
  `басқа`, `тағы`), and the commonest verb forms that would otherwise meet a noun (`болатын` is
  not `Болат`, `қойды` is not `қой`). A listed word is returned as it is, and stripping stops
  when what remains is a listed word (`саудасы` → `сауда`, never `сау`).

A hyphenated word is stemmed on its last part (`іс-шаралар` → `іс-шара`, `қарым-қатынасы` →
`қарым-қатынас`); when that part is nothing but suffixes (`АҚШ-тың`, `БҰҰ-ның`) the word gives
its first part.

Known limits:
- verbs are out of scope: a past tense -ды/-ді/-ты/-ті reads as an accusative, a present -ады
  as a possessive (`кездесті` → `кездес`, apart from the noun `кездесу`; `береді` → `беред`);
  only the commonest verb forms that would meet a noun are listed;
- an adjective in -ды/-ді/-ты/-ті/-лы/-лі meets its noun (`маңызды` → `маңыз`) or gives a stem
  of its own (`сапалы` → `сапал`), consistently;
- the 1st and 2nd singular possessives, and the dative -а/-е after them, are not stripped
  (`еліме`, `заңым`);
- an ambiguous stem that is not listed is read the common way: a vowel + н stem in a bare
  3rd-person possessive as vowel stem + accusative -ны (`Лондоны` → `лондо`), a vowel + с stem
  as vowel stem + -сы (`адресі` → `адре`), a vowel stem in ы/і as consonant stem + ы/і;
- the ablative of a loan in consonant + с is not stripped (`курстан`); endings after -дағы are
  not unwound (`қаладағыларға` → `қаладағы`); Russian endings are left as they are
  (`министра`); a Latin or digit word with a Kazakh ending (`covid-ке`, `2030-ға`) is not
  Cyrillic and is returned unchanged; personal names are not listed beyond a few (`Мұхтар`).
"""

import re
from typing import Final, NamedTuple

_VOWELS: Final = frozenset("аәеиоөұүыіэюя")  # "у" is a consonant to the suffixes (see above)
_SYLLABLE: Final = re.compile("[аәеиоөұүыіэюяу]")  # "у" does make a syllable: "су" is a word
_BACK: Final = frozenset("аоұыяю")
_FRONT: Final = frozenset("әеөүіэ")
_CONSONANTS: Final = "бвгғджзйклмнңпрстуфхһцчшщқ"

_V: Final = "аәеиоөұүыіэюя"
_VOICELESS: Final = "кқпстфхһцчшщ" + "бвгд"  # б в г д end loans only and take the same forms
_SONORANT: Final = "лруй"
_VOICED: Final = "жз"
_NASAL: Final = "мнң"

_WORD: Final = re.compile(r"[а-яёәғқңөұүһі]+(?:-[а-яёәғқңөұүһі]+)*")


class _Suffix(NamedTuple):
    text: str
    after: str  # the letters what remains may end in
    front: bool | None  # the suffix's harmony; None: one form for both
    poss: bool = False  # also stands after a 3rd-person possessive, which must then be stripped
    vstem: bool = False  # wants a vowel stem: refused after ы/і (a consonant stem's link vowel)
    yields: bool = False  # gives way to a shorter reading that leaves a listed stem


def _pair(back: str, front: str, after: str, **flags: bool) -> list[_Suffix]:
    return [_Suffix(back, after, False, **flags), _Suffix(front, after, True, **flags)]


_PLURAL: Final = [
    *_pair("лар", "лер", _V + "руй"),
    *_pair("дар", "дер", "лмнңжз"),
    *_pair("тар", "тер", _VOICELESS),
]

_POSSESSIVE: Final = [
    *_pair("ымыз", "іміз", _CONSONANTS),
    *_pair("ыңыз", "іңіз", _CONSONANTS),
    *_pair("мыз", "міз", _V, vstem=True),
    *_pair("ңыз", "ңіз", _V, vstem=True),
    *_pair("сы", "сі", _V, vstem=True, yields=True),
    *_pair("ы", "і", _CONSONANTS),
]

_VOICED_ALL: Final = _SONORANT + _VOICED + _NASAL
_CASE: Final = [
    # attributive: locative + -ғы/-гі
    *_pair("ндағы", "ндегі", "", poss=True, yields=True),
    *_pair("дағы", "дегі", _V + _VOICED_ALL),
    *_pair("тағы", "тегі", _VOICELESS),
    # instrumental
    _Suffix("менен", _V + _SONORANT + _NASAL, None),
    _Suffix("бенен", _VOICED + _NASAL, None),
    _Suffix("пенен", _VOICELESS, None),
    _Suffix("мен", _V + _SONORANT + _NASAL, None),
    _Suffix("бен", _VOICED + _NASAL, None),
    _Suffix("пен", _VOICELESS, None),
    # genitive
    *_pair("ның", "нің", _V + _NASAL),
    *_pair("дың", "дің", _SONORANT + _VOICED),
    *_pair("тың", "тің", _VOICELESS),
    # ablative
    *_pair("нан", "нен", _NASAL, poss=True),
    *_pair("дан", "ден", _V + _SONORANT + _VOICED),
    *_pair("тан", "тен", _VOICELESS),
    # locative
    *_pair("нда", "нде", "", poss=True, yields=True),
    *_pair("да", "де", _V + _VOICED_ALL),
    *_pair("та", "те", _VOICELESS),
    # dative
    *_pair("на", "не", "", poss=True),
    *_pair("ға", "ге", _V + _VOICED_ALL),
    *_pair("қа", "ке", _VOICELESS),
    # accusative
    *_pair("ны", "ні", _V, vstem=True, yields=True),
    *_pair("ды", "ді", _VOICED_ALL),
    *_pair("ты", "ті", _VOICELESS),
    _Suffix("н", "", None, poss=True),
]


def _by_last_letter(suffixes: list[_Suffix]) -> dict[str, tuple[_Suffix, ...]]:
    """Each slot's suffixes by their last letter, the longest first: a word is tried only
    against the suffixes it can end in."""
    table: dict[str, list[_Suffix]] = {}
    for suffix in sorted(suffixes, key=lambda s: -len(s.text)):
        table.setdefault(suffix.text[-1], []).append(suffix)
    return {letter: tuple(group) for letter, group in table.items()}


_CASES: Final = _by_last_letter(_CASE)
_POSSESSIVES: Final = _by_last_letter(_POSSESSIVE)
_PLURALS: Final = _by_last_letter(_PLURAL)

# The endings a hyphen may set apart from an abbreviation or a number: `АҚШ-тың`, `БҰҰ-ның`.
_CHAINS: Final = frozenset(
    plural + possessive + case
    for plural in ["", *(s.text for s in _PLURAL)]
    for possessive in ["", *(s.text for s in _POSSESSIVE)]
    for case in ["", *(s.text for s in _CASE)]
) - {""}

# Stems whose endings look like suffixes. Returned as they are; stripping stops on them.
_KNOWN: Final = frozenset(
    [
        # place names
        "алматы", "астана", "қарағанды", "қызылорда", "өскемен", "ақорда", "орда", "канада",
        "уганда", "руанда", "судан", "иордан", "йемен",
        "пәкістан", "үндістан", "түркістан", "дағыстан", "гүржістан", "күрдістан",
        # nouns ending like a case or a possessive
        "сауда", "пайда", "тақта", "апта", "пошта", "төраға", "баға", "астам", "адам", "алма",
        # nouns ending in a vowel ы/і (not a consonant stem + possessive)
        "қаржы", "белгі", "желі",
        # nouns in -ын/-ін (not possessive + accusative -н)
        "орын", "ойын", "ағын", "мойын", "қарын", "мұрын", "келін", "түйін",
        # stems in vowel + с whose 3rd-person possessive is -і, not -сі
        "кеңес", "әріптес", "серіктес", "күрес", "отандас", "замандас", "қандас", "жерлес",
        "бизнес", "бәсекелес", "тілектес", "қатынас", "жолдас", "қарындас", "сәйкес", "ұқсас",
        # stems in vowel + н whose 3rd-person possessive is -ы, not an accusative -ны
        "отан", "маман", "заман", "мекен", "мазмұн", "аудан", "қазан", "майдан", "экран", "ұран",
        # postpositions, adverbs, pronouns, numerals
        "туралы", "арқылы", "сайын", "келесі", "ұлы", "жақсы", "қарсы", "бері", "әрі", "әлі",
        "енді", "тағы", "алдағы", "алда", "онда", "мұнда", "сонда", "қайда", "кейде", "бірге",
        "өзге", "басқа", "оны", "мұны", "соны", "бұны", "кейін", "бүгін", "үшін", "сияқты",
        "қатты", "тіпті", "алты", "жеті",
        # names
        "мұхтар", "тілеуберді",
        # verb forms that would otherwise meet a noun (болат, қой, айт, өт, жаз, бас, ат)
        "болды", "келді", "өтті", "берді", "алды", "қойды", "айтты", "деді", "жазды", "басты",
        "атты", "болатын", "келетін", "өтетін", "ететін", "беретін",
    ]
)  # fmt: skip

# Stems that drop their last vowel before a vowel suffix: халық + ы = халқы.
_ELIDED: Final = {
    "халқ": "халық",
    "орн": "орын",
    "ауз": "ауыз",
    "мұрн": "мұрын",
    "мойн": "мойын",
    "қарн": "қарын",
    "ерн": "ерін",
    "мүлк": "мүлік",
}

_DEVOICED: Final = {"ғ": "қ", "г": "к", "б": "п"}


def stem(word: str) -> str:
    """The search stem of one Kazakh word (see the module docstring for the rules)."""
    if len(word) < 3 or word in _KNOWN or not _WORD.fullmatch(word):
        return word
    if "-" in word:  # the endings go on the last part: АҚШ-тың, іс-шаралар, қарым-қатынасы
        head, _, tail = word.rpartition("-")
        if tail in _CHAINS:
            return head
        return f"{head}-{_stem(tail)}" if len(tail) >= 3 and tail not in _KNOWN else word
    return _stem(word)


def _stem(word: str) -> str:
    for suffix in _CASES.get(word[-1], ()):
        if not word.endswith(suffix.text):
            continue
        rest = word[: -len(suffix.text)]
        if not _may_strip(rest, suffix):
            continue
        if rest[-1] in suffix.after:
            return _strip_possessive(rest) or _strip_plural(rest)
        if suffix.poss and rest[-1] in "ыі":  # an -н- form: a possessive must precede it
            result = _strip_possessive(rest)
            if result is not None:
                return result
    return _strip_possessive(word) or _strip_plural(word)


def _strip_possessive(word: str) -> str | None:
    """The stem under a possessive (and a plural), or None if `word` ends in no possessive."""
    if word in _KNOWN:
        return None
    for suffix in _POSSESSIVES.get(word[-1], ()):
        if word.endswith(suffix.text):
            rest = word[: -len(suffix.text)]
            if _may_strip(rest, suffix) and rest[-1] in suffix.after:
                return _strip_plural(rest)
    return None


def _strip_plural(word: str) -> str:
    if word not in _KNOWN:
        for suffix in _PLURALS.get(word[-1], ()):
            if word.endswith(suffix.text):
                rest = word[: -len(suffix.text)]
                if _may_strip(rest, suffix) and rest[-1] in suffix.after:
                    word = rest
                    break
    word = _ELIDED.get(word, word)
    last = word[-1]
    return word[:-1] + _DEVOICED[last] if last in _DEVOICED else word


def _may_strip(rest: str, suffix: _Suffix) -> bool:
    """Whether `suffix` may be cut off what would remain, `rest`: the length, harmony and
    derivation rules of the module docstring (assimilation is checked by the caller)."""
    if len(rest) < 2:
        return False
    if rest in _KNOWN:
        return True
    last = rest[-1]
    before = rest[-2]
    return (
        # a vowel-final stem needs a second syllable: басы is бас + ы, not ба + сы
        _SYLLABLE.search(rest, 0, len(rest) - 1 if last in _VOWELS else len(rest)) is not None
        and (suffix.front is None or _front(rest) in (None, suffix.front))
        # жұмыс + ы, not жұмы + сы; but елші + сі
        and not (suffix.vstem and last in "ыі" and before != "ш")
        # кеңес + і, not кеңе + сі; ойын + да, not ой + ы + нда
        and not (suffix.yields and rest + suffix.text[0] in _KNOWN)
        # Қазақстан, Ауғанстан: a country, not an ablative
        and not (suffix.text in ("тан", "тен") and last == "с" and before not in _VOWELS)
        and (suffix.text[0] not in "ыі" or _is_possessive_link(rest, last, before))
    )


def _is_possessive_link(rest: str, last: str, before: str) -> bool:
    """Whether the ы/і of a possessive -ы/-і, -ымыз, -ыңыз may follow `rest`, or whether that
    ы/і belongs to a derivational suffix (which stays)."""
    if last == "ш":
        return before in _VOWELS  # күш + і; not the agent suffix of елші, басшы
    if last in "қк":
        return rest in _ELIDED  # халқ + ы; not the attributive of сыртқы, ішкі
    if last in "ғг":
        return before in _VOWELS  # орталығ + ы; not the attributive of жылғы, соңғы
    return True


def _front(word: str) -> bool | None:
    """The harmony of a stem: that of its last vowel, `у` passed over; None if it has none or
    if it may take either."""
    if word[-1] in "кг" or word.endswith("ев"):
        return None  # Нью-Йоркте, банкке; Тоқаевтың (-ев read -ай) but Медведевтің
    for letter in reversed(word):
        if letter in _FRONT:
            return True
        if letter in _BACK:
            return False
        if letter == "и":
            return None  # министрге, саммиті but тарихы, мұхиты, коронавирусқа
    return False if "у" in word else None
