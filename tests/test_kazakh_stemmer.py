"""The Kazakh stemmer (app/text/kazakh.py) on the table of tests/kazakh_forms.py: every form
gives exactly its stem, different words keep different stems, and the stem is a fixed point."""

import pytest

from app.text.kazakh import stem
from tests.kazakh_forms import DISTINCT, FORMS, PARADIGMS

KAZAKH_LETTERS = set("абвгғдежзийкқлмнңоөпрстуұүфхһцчшщъыіьэюяә-")


def test_the_table_is_large_and_well_formed() -> None:
    assert len(FORMS) >= 320
    assert len(DISTINCT) >= 25
    forms = [form for form, _ in FORMS]
    assert len(forms) == len(set(forms)), "a form is listed twice"
    for form, _ in FORMS:
        assert form == form.lower(), form
        assert "ё" not in form, form
        assert set(form) <= KAZAKH_LETTERS, form


@pytest.mark.parametrize(("form", "expected"), FORMS)
def test_each_form_gives_its_stem(form: str, expected: str) -> None:
    assert stem(form) == expected


@pytest.mark.parametrize(("a", "b"), DISTINCT)
def test_different_words_keep_different_stems(a: str, b: str) -> None:
    assert stem(a) != stem(b)


@pytest.mark.parametrize("expected", sorted(PARADIGMS))
def test_a_stem_is_its_own_stem(expected: str) -> None:
    assert stem(stem(expected)) == stem(expected)


@pytest.mark.parametrize(
    "word",
    ["covid", "2030", "nato", "covid-19", "g20", "cовет", "астана2030", "ел:", "-", "", "a-б"],
)
def test_a_word_that_is_not_cyrillic_is_unchanged(word: str) -> None:
    assert stem(word) == word


@pytest.mark.parametrize("word", ["ел", "су", "үй", "ол", "да", "на", "ы", "мен", "бұл", "біз"])
def test_short_words_are_unchanged(word: str) -> None:
    assert stem(word) == word


def test_the_readme_examples() -> None:
    """The forms the issue names meet their bare word."""
    groups = {
        "қазақстан": [
            "қазақстанның",
            "қазақстанға",
            "қазақстанда",
            "қазақстаннан",
            "қазақстанмен",
            "қазақстандағы",
        ],
        "ауғанстан": ["ауғанстанға", "ауғанстанның"],
        "орталық": ["орталығы", "орталығына", "орталықтың"],
        "кітап": ["кітабы"],
    }
    for word, forms in groups.items():
        assert {stem(form) for form in forms} == {stem(word)} == {word}
    assert stem("астам") != stem("астанада")


def test_kazakh_letters_are_kept_apart() -> None:
    pairs = [("қар", "кар"), ("ғарыш", "гарыш"), ("таң", "тан"), ("үй", "уй"), ("іс", "ис")]
    for kazakh, russian in pairs:
        assert stem(kazakh) != stem(russian)
    assert stem("әлем") == "әлем"
    assert stem("өңірде") == "өңір"
    assert stem("һижра") == "һижра"


def test_the_stem_is_deterministic() -> None:
    first = [stem(form) for form, _ in FORMS]
    second = [stem(form) for form, _ in reversed(FORMS)]
    assert first == second[::-1]
