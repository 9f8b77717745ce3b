"""The search grammar: user text → AST → FTS5, as a table of cases."""

import pytest

from app.errors import BadRequest
from app.search.fts5_query import compile_fts5
from app.search.grammar import MAX_TERMS, AllOf, AnyOf, Phrase, Term, parse

a, b, c = Term("a"), Term("b"), Term("c")


@pytest.mark.parametrize(
    ("text", "ast"),
    [
        ("a", AllOf((a,))),
        ("a b", AllOf((a, b))),
        ("  a\t\nb  ", AllOf((a, b))),
        ('"central asia"', AllOf((Phrase("central asia"),))),
        ('"  central   asia "', AllOf((Phrase("central asia"),))),
        ('"unclosed phrase', AllOf((Phrase("unclosed phrase"),))),
        ("a OR b", AllOf((AnyOf((a, b)),))),
        ("a b OR c", AllOf((a, AnyOf((b, c))))),
        ("a OR b OR c", AllOf((AnyOf((a, b, c)),))),
        ("(a b) OR c", AllOf((AnyOf((AllOf((a, b)), c)),))),
        ("a or b", AllOf((a, Term("or"), b))),
        ("a AND b", AllOf((a, Term("AND"), b))),
        ("-a b", AllOf((b,), (a,))),
        ('b -"x y"', AllOf((b,), (Phrase("x y"),))),
        ("b -(a c)", AllOf((b,), (AllOf((a, c)),))),
        ("(a -b)", AllOf((a,), (b,))),
        ("(a -b) OR c", AllOf((AnyOf((AllOf((a,), (b,)), c)),))),
        ("kazakh*", AllOf((Term("kazakh", prefix=True),))),
        ("kazakh**", AllOf((Term("kazakh", prefix=True),))),
        ("title:almaty", AllOf((Term("almaty", title_only=True),))),
        ("TITLE:almaty", AllOf((Term("almaty", title_only=True),))),
        ('title:"un center"', AllOf((Phrase("un center", title_only=True),))),
        ("title:kaz*", AllOf((Term("kaz", prefix=True, title_only=True),))),
        ("-title:visa a", AllOf((a,), (Term("visa", title_only=True),))),
        ("title:", AllOf((Term("title:"),))),
        ("U.S. Kazakhstan's", AllOf((Term("U.S."), Term("Kazakhstan's")))),
        ("a OR", AllOf((a,))),
        ("OR a", AllOf((a,))),
        ("a OR OR b", AllOf((AnyOf((a, b)),))),
        ("((a", AllOf((a,))),
        ("a)) b", AllOf((a, b))),
        ("() a", AllOf((a,))),
        ("a ! ? *", AllOf((a,))),
        ("Cafe\u0301", AllOf((Term("Caf\u00e9"),))),
        # control and format characters separate words, as in a release's text
        ("a\x00b", AllOf((a, b))),
        ("a\x7fb\x01", AllOf((a, b))),
        ("a\u200bb", AllOf((a, b))),
        ('"a\x00b"', AllOf((Phrase("a b"),))),
        ("Қазақстан", AllOf((Term("Қазақстан"),))),
    ],
)
def test_parse(text: str, ast: AllOf) -> None:
    assert parse(text) == ast


@pytest.mark.parametrize(
    ("text", "fts5"),
    [
        ("a b", '("a") AND ("b")'),
        ('"central asia" x', '("central asia") AND ("x")'),
        ('say "hi""', '("say") AND ("hi")'),
        ('a"b', '("a") AND ("b")'),
        ("a OR b", '(("a" OR "b"))'),
        ("a -b -c", '(("a")) NOT ("b" OR "c")'),
        ("kaz*", '("kaz" *)'),
        ('title:"un center"', '(title : ("un center"))'),
        ("NEAR(a b)", '("near") AND (("a") AND ("b"))'),
        ('x"y', '("x") AND ("y")'),
        ("x\"'y", '("x") AND ("y")'),
        ("a:b", '("a b")'),  # the analyser's words, a phrase: FTS5 sees no column filter
    ],
)
def test_compile_quotes_every_word(text: str, fts5: str) -> None:
    assert compile_fts5(parse(text)) == fts5


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("", "has no searchable word"),
        ("!!! ???", "has no searchable word"),
        ('" "', "has no searchable word"),
        ("OR OR", "has no searchable word"),
        ("-a", "only excludes words"),
        ("-a -b", "only excludes words"),
        ("a (-b)", "only excludes words"),
        ("a OR -b", "puts an excluded word in an OR"),
        ("(" * 9 + "a", "nests parentheses more than 8 deep"),
        (" ".join(f"w{i}" for i in range(MAX_TERMS + 1)), "has 33 terms; at most 32"),
    ],
)
def test_queries_that_cannot_mean_anything_are_bad_requests(text: str, detail: str) -> None:
    with pytest.raises(BadRequest) as error:
        parse(text)
    assert detail in error.value.detail
