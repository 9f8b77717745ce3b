"""The text analyser: folding, words, which rules make a word's base form, and what a query's
word and phrase stand for."""

import pytest

from app.text.analyser import Sequences, alternatives, indexed_text, sequences, terms
from app.text.words import fold, folded_words, words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Türkiye İstanbul Łódź", "turkiye istanbul lodz"),
        ("Ёлка ЁЛКА", "елка елка"),
        ("Kazakhstan’s", "kazakhstan's"),
        # the Kazakh letters are letters of their own, and й is not и
        ("ӘҒҚҢӨҰҮҺІ әғқңөұүһі й", "әғқңөұүһі әғқңөұүһі й"),
        ("ẞ ß Æ", "ß ß æ"),  # no letter becomes two: offsets never move
    ],
)
def test_folding_keeps_every_offset(text: str, folded: str) -> None:
    assert fold(text) == folded
    assert len(fold(text)) == len(text)


def test_words_are_runs_of_letters_and_digits_with_apostrophes_inside() -> None:
    text = "U.S. Kazakhstan’s O'Brien covid-19 北京_x 'quoted'"
    assert folded_words(text) == [
        "u",
        "s",
        "kazakhstan's",
        "o'brien",
        "covid",
        "19",
        "北京",
        "x",
        "quoted",
    ]
    found = list(words(text))
    assert [(w.start, w.end, w.capitalised) for w in found[:3]] == [
        (0, 1, True),
        (2, 3, True),
        (5, 17, True),
    ]
    assert words("a" * 80).__next__().folded == "a" * 64  # cut at MAX_WORD_CHARS


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "The Kazakh delegation’s visit to Türkiye: agreements signed in İstanbul, COVID-19.",
            "en",
            "the kazakh deleg visit to turkiy agreement sign in istanbul covid 19",
        ),
        (
            "Делегация Казахстана провела переговоры в Астане; ёлка и ЕЛКА.",
            "ru",
            "делегация казахстан провести переговоры в астана елка и елка",
        ),
        # Latin words are English whatever the release's language
        ("Делегация UN Women прибыла.", "ru", "делегация un women прибыть"),
        (
            "Қазақстанның делегациясы Түркияға барды. Министрдің сапары.",
            "kk",
            "қазақстан делегация түркия бар министр сапар",
        ),
        # a Kazakh letter makes a word Kazakh in a Russian release too
        ("Министрдің сапары", "ru", "министр сапар"),
        # in a Kazakh release, a word without Kazakh letters follows the Kazakh rules
        ("министрге", "kk", "министр"),
        ("министрге", "ru", "министрг"),  # unknown to the Russian dictionary: Snowball's
        # other scripts and digits are folded only
        ("北京 会谈 ٢٠٢٥ 2030", "en", "北京 会谈 ٢٠٢٥ 2030"),
        ("", "en", ""),
    ],
)
def test_a_release_is_indexed_by_its_words_base_forms(
    text: str, language: str, expected: str
) -> None:
    assert indexed_text(text, language) == expected
    assert terms(text, language) == expected.split()  # one word for one word: positions kept


def test_a_release_of_no_known_language_follows_the_russian_rules_for_cyrillic() -> None:
    assert terms("Переговоры в Казахстане", None) == ["переговоры", "в", "казахстан"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("almaty", ("almati",)),
        ("казахстана", ("казахстан", "казахстана")),  # the Russian lemma; the Kazakh rules keep it
        ("қазақстанның", ("қазақстан",)),  # Kazakh letters: Kazakh only
        ("стали", ("стать", "стали", "сталь")),  # every reading of an ambiguous word
        ("токаев", ("токай", "токаев")),
        ("2030", ("2030",)),
    ],
)
def test_a_query_word_stands_for_its_forms_under_every_language(
    word: str, expected: tuple[str, ...]
) -> None:
    assert alternatives(word) == expected


def test_a_phrase_keeps_one_word_per_position_under_each_rule() -> None:
    assert sequences('"Токаев принял"') == Sequences(
        (("токаев", "принять"), ("токай", "принять"), ("токаев", "принял"))
    )
    assert sequences("U.S") == Sequences((("u", "s"),))
    # a prefix is the folded word as typed; the words before it are a phrase as above
    assert sequences("Қазақ", prefix=True) == Sequences((("қазақ",),), prefix=True)
    assert sequences("U.Türk", prefix=True) == Sequences((("u", "turk"),), prefix=True)
