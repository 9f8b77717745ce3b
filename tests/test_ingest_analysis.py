"""The ingest's analysis (app/ingest/analysis.py, app/ingest/tokens.py) reads a release's words,
bands and word count off a table of numbered tokens: it must give what the analyser, the shingles
and the word count give for the same text, token for token, on both engines."""

from datetime import date

import pytest

from app.ingest import tokens
from app.ingest.analysis import Item, prepare
from app.ingest.normalize import word_count
from app.search.index import from_terms
from app.text.analyser import terms
from app.text.shingles import bands, words

# Texts whose tokens are hard to cut or count: punctuation stuck to words, apostrophes of both
# kinds, Kazakh and Russian case endings, a capitalised Russian word (its form depends on the
# case), Greek final sigma (a lower case that depends on the next letter), no-word tokens,
# letters that fold (İ, ß, ligatures), a combining mark on its own, digits and numerals.
TEXTS = [
    "Қазақстанның Президенті Тоқаев Алматыда O’Brien’s 2024. “Алматы”, — Kazakhstan's e-mail",
    "Министр провёл встречу. Казахстана! Встречи с министрами; Токаев, Алматы и ООН. 15–16 мая",
    "ΟΔΟΣ ΣΟΦΟΣ. Σ’ İstanbul – & Ⅻ ⓐ Ⓐ 12 ', \u0301 ǅungla Straße ﬁx ΑΣ\u0301Σ well-being",
    "— … ¶ – &",
    "",
]


def _items(language: str | None) -> list[Item]:
    # each text long enough to be banded, and once as it is (too short for bands)
    return [
        Item(
            f"{language}-{i}-{n}", text[:40], " ".join([text] * n), language, date(2025, 3, 6), None
        )
        for i, text in enumerate(TEXTS)
        for n in (1, 12)
    ]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_analysis_of_a_batch_is_the_analyser_s_the_shingles_and_the_word_count(
    dialect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens.TokenTable, "MAX", 10)  # the tables are emptied between batches
    for _ in range(2):  # the second batch meets tokens the first added, or a table emptied
        items = [item for language in ("kk", "ru", "en", None) for item in _items(language)]
        prepared = prepare(dialect, items)
        vocabulary: set[str] = set()
        for item in items:
            title, body = terms(item.title, item.language), terms(item.body, item.language)
            vocabulary |= {*title, *body}
            assert prepared.analysed[item.external_id] == from_terms(dialect, title, body)
            assert prepared.bands[item.external_id] == bands([words(item.body)])[0]
            assert prepared.derived[item.external_id][0] == word_count(item.body)
        assert prepared.words == sorted(vocabulary)


def test_word_counts_and_bands() -> None:
    prepared = prepare("sqlite", _items("kk"))
    counts = {key: found[0] for key, found in prepared.derived.items()}
    assert [counts[f"kk-{i}-1"] for i in range(len(TEXTS))] == [9, 13, 11, 0, 0]
    assert [counts[f"kk-{i}-12"] for i in range(len(TEXTS))] == [108, 156, 132, 0, 0]
    # a body is banded from 26 tokens on; a band with an empty bin is left out (a text said
    # twelve times over holds few shingles)
    assert [len(prepared.bands[f"kk-{i}-12"]) for i in range(len(TEXTS))] == [1, 0, 2, 0, 0]
    assert [prepared.bands[f"kk-{i}-1"] for i in range(len(TEXTS))] == [[]] * len(TEXTS)
